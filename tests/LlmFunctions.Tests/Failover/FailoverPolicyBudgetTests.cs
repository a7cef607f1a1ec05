using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

public class FailoverPolicyBudgetTests
{
    // 29 characters per sentence, so cuts land on sentence boundaries.
    private static string Sentences(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"Sentence {i:D4} of the prompt. "));

    [Fact]
    public void Decide_OverBudgetWhileAnotherCanTakeIt_SkipsOverBudget()
    {
        var request = Request(new string('a', 5_000));

        var (decisions, _) = new SimulatedDriver(Policy()).Run(FailoverState.Start(request, [Candidate("A", 1, budget: 4_000), Candidate("B", 2, budget: 8_000)]));

        Assert.Equal(["skip A OverBudget", "attempt B#1", "finish Succeeded"], decisions.Select(Describe));
        Assert.Equal(
            "prompt is 5,000 characters; the budget is 4,000 (LlmFunctions:Providers:A:MaxPromptChars); B/model can take it whole",
            Assert.IsType<SkipProvider>(decisions[0]).Reason);
    }

    [Fact]
    public void Decide_NoBudgetFitsAndNoTruncation_FinishesPayloadTooLargeNamingTheLimit()
    {
        var request = Request(new string('a', 7_283));

        var (decisions, _) = new SimulatedDriver(Policy()).Run(FailoverState.Start(request, [Candidate("A", 1), Candidate("B", 2, budget: 4_000)]));

        Assert.Equal(["skip A OverBudget", "skip B OverBudget", "finish PayloadTooLarge"], decisions.Select(Describe));
        Assert.Equal(
            "prompt is 7,283 characters; the largest provider budget is 6,000 (LlmFunctions:Providers:A:MaxPromptChars)",
            Assert.IsType<Finish>(decisions[^1]).Summary);
    }

    [Fact]
    public void Decide_TruncationAllowed_TruncatesToLargestCallableBudgetAndRecordsIt()
    {
        var system = new ChatMessage("system", "Answer briefly.");
        var request = Request(Sentences(252), allowTruncation: true, leading: system); // 15 + 7,308 characters

        var (decisions, final) = new SimulatedDriver(Policy()).Run(FailoverState.Start(request, [Candidate("A", 1, budget: 4_000), Candidate("B", 2)]));

        Assert.Equal(["skip A OverBudget", "attempt B#1 truncated", "finish Succeeded"], decisions.Select(Describe));
        var attempt = Assert.IsType<AttemptProvider>(decisions[1]);
        Assert.Equal((7_323, 5_988), (attempt.OriginalPromptChars, attempt.PromptChars));
        Assert.Same(system, attempt.Messages[0]);
        Assert.EndsWith("Sentence 0205 of the prompt.", attempt.Messages[1].Content, StringComparison.Ordinal);
        Assert.True(final.History.OfType<AttemptRecord>().Single().Truncated);
    }

    [Fact]
    public void Decide_RetryOfTruncatedAttempt_SendsTheSameMessages()
    {
        var request = Request(Sentences(252), allowTruncation: true);
        var driver = new SimulatedDriver(Policy()).Script("A", Outcome(ErrorClass.Transient, 503));

        var (decisions, _) = driver.Run(FailoverState.Start(request, [Candidate("A", 1)]));

        var attempts = decisions.OfType<AttemptProvider>().ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Messages, attempts[1].Messages);
        Assert.True(attempts[1].Truncated);
    }

    [Fact]
    public void Decide_SystemMessagesAloneExceedBudget_FinishesPayloadTooLargeEvenWithTruncation()
    {
        var request = Request("Question?", allowTruncation: true, leading: new ChatMessage("system", new string('s', 6_500)));

        var (decisions, _) = new SimulatedDriver(Policy()).Run(FailoverState.Start(request, [Candidate("A", 1)]));

        Assert.Equal(["skip A OverBudget", "finish PayloadTooLarge"], decisions.Select(Describe));
        Assert.Equal(
            "prompt is 6,509 characters; the largest provider budget is 6,000 (LlmFunctions:Providers:A:MaxPromptChars); system messages alone are 6,500 characters; truncation cannot fit the budget of 6,000",
            Assert.IsType<Finish>(decisions[^1]).Summary);
    }

    [Fact]
    public void Decide_OnlyBlockedProviderCouldTakePrompt_FinishesAllCoolingDown()
    {
        var big = Candidate("A", 1, budget: 10_000) with { Health = ProviderHealth.New(Key("A")) with { CooldownUntil = T0.AddSeconds(40) } };

        var (decisions, _) = new SimulatedDriver(Policy()).Run(FailoverState.Start(Request(new string('a', 7_000)), [big, Candidate("B", 2, budget: 4_000)]));

        Assert.Equal(["skip A CoolingDown", "skip B OverBudget", "finish AllCoolingDown"], decisions.Select(Describe));
        Assert.Equal(T0.AddSeconds(40), Assert.IsType<Finish>(decisions[^1]).RetryAt);
    }

    [Fact]
    public void Decide_CustomBudgetSetting_IsNamedInTheFinish()
    {
        var candidate = Candidate("A", 1, budget: 100) with { BudgetSetting = "LlmFunctions:Providers:A:Models:0:MaxPromptChars" };

        var (decisions, _) = new SimulatedDriver(Policy()).Run(FailoverState.Start(Request(new string('a', 150)), [candidate]));

        Assert.EndsWith("(LlmFunctions:Providers:A:Models:0:MaxPromptChars)", Assert.IsType<Finish>(decisions[^1]).Summary, StringComparison.Ordinal);
    }
}
