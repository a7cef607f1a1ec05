using System.Text.Json;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Routes;

namespace LlmFunctions.Tests.Routes;

public sealed class RouteRunTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static readonly RoutePlan Plan = new(
        "recipes",
        SpreadingStrategy.QuotaAware,
        [
            new RouteStage(RouteStrategy.Tier, 0, "PREMIUM", ["Groq/big"], DeadlineSeconds: 10),
            new RouteStage(RouteStrategy.Tier, 0, "BUDGET", ["Cerebras", "Groq/small"], DeadlineSeconds: 10),
            new RouteStage(RouteStrategy.Simplified, 1, "BUDGET", ["Cerebras", "Groq/small"], Rewrite: new PromptRewrite("Be brief.", 1, 64)),
            new RouteStage(RouteStrategy.Cache, 2),
            new RouteStage(RouteStrategy.Degraded, 3, Answer: "busy"),
        ],
        TimeSpan.FromMinutes(1),
        TimeSpan.FromDays(1));

    private static readonly PromptRequest Original = new()
    {
        Messages = [new ChatMessage("system", "You are a very long system prompt."), new ChatMessage("user", "first"), new ChatMessage("assistant", "ok"), new ChatMessage("user", "second")],
        Deadline = Now.AddSeconds(120),
        Parameters = JsonDocument.Parse("""{"max_tokens":500,"temperature":0.2}""").RootElement,
    };

    [Fact]
    public void StageRequest_ATierStage_TakesTheStepDeadlineTheRouteSpreadingAndTheCacheWrite()
    {
        var run = RouteRun.Start(Plan, Original, [], "key", Now)!;

        var request = run.StageRequest();

        Assert.Equal(Now.AddSeconds(10), request.Deadline);
        Assert.Equal(SpreadingStrategy.QuotaAware, request.Spreading);
        Assert.Equal(new CacheWrite("key", "recipes", TimeSpan.FromMinutes(1), TimeSpan.FromDays(1)), request.Cache);
        Assert.Same(Original.Messages, request.Messages);
    }

    [Fact]
    public void Next_WithinAStep_KeepsTheStepsStart_AndANewStepStartsItsOwnClock()
    {
        var run = RouteRun.Start(Plan, Original, [], "key", Now)!;

        var budget = run.Next(null, Now.AddSeconds(8))!;
        var simplified = budget.Next(null, Now.AddSeconds(11))!;

        Assert.Equal(Now.AddSeconds(10), budget.StageRequest().Deadline);
        Assert.Equal(RouteStrategy.Simplified, simplified.Current.Strategy);
        Assert.Equal(Original.Deadline, simplified.StageRequest().Deadline);
    }

    [Fact]
    public void StageRequest_ASimplifiedStage_RewritesThePromptAndWritesNoCacheEntry()
    {
        var run = RouteRun.Start(Plan, Original, [], "key", Now)! with { Stage = 2 };

        var request = run.StageRequest();

        Assert.Equal(["system:Be brief.", "user:second"], request.Messages.Select(m => $"{m.Role}:{m.Content}"));
        Assert.Equal(64, request.Parameters!.Value.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.2, request.Parameters!.Value.GetProperty("temperature").GetDouble());
        Assert.Null(request.Cache);
    }

    [Fact]
    public void Next_ForbiddenStrategies_AreNeverReached()
    {
        var run = RouteRun.Start(Plan, Original, [RouteStrategy.Simplified, RouteStrategy.Cache], "key", Now)!;

        var stages = new List<RouteStrategy>();
        for (RouteRun? at = run; at is not null; at = at.Next(null, Now))
        {
            stages.Add(at.Current.Strategy);
        }

        Assert.Equal([RouteStrategy.Tier, RouteStrategy.Tier, RouteStrategy.Degraded], stages);
        Assert.False(run with { Stage = 4 } is { HasNext: true });
    }

    [Fact]
    public void Start_EveryStageForbidden_ReturnsNull()
    {
        var plan = new RoutePlan("only-cache", null, [new RouteStage(RouteStrategy.Cache, 0)], TimeSpan.Zero, TimeSpan.FromDays(1));

        Assert.Null(RouteRun.Start(plan, Original, [RouteStrategy.Cache], "key", Now));
    }

    [Fact]
    public void Candidates_ATierStage_KeepsItsMembersInTierOrder_RankedByPlace()
    {
        var all = new[] { Candidate("Groq", "big", 0), Candidate("Groq", "small", 1), Candidate("Cerebras", "a", 100), Candidate("Cerebras", "b", 101) };
        var run = RouteRun.Start(Plan, Original, [], null, Now)!.Next(null, Now)!;

        var picked = run.Candidates(all);

        Assert.Equal(["Cerebras/a:0", "Cerebras/b:1", "Groq/small:101"], picked.Select(c => $"{c.Key}:{c.Priority}"));
    }

    [Fact]
    public void StageRequest_NoStore_WritesNoCacheEntry()
    {
        var run = RouteRun.Start(Plan, Original, [], "key", Now)! with { NoStore = true };

        Assert.Null(run.StageRequest().Cache);
    }

    [Theory]
    [InlineData(FinishKind.Succeeded, false)]
    [InlineData(FinishKind.Rejected, false)]
    [InlineData(FinishKind.Cancelled, false)]
    [InlineData(FinishKind.Failed, true)]
    [InlineData(FinishKind.AllCoolingDown, true)]
    [InlineData(FinishKind.DeadlineExceeded, true)]
    [InlineData(FinishKind.PayloadTooLarge, true)]
    public void ContinuesAfter_OnlyAStageThatCouldNotAnswer_HandsOver(FinishKind kind, bool continues) =>
        Assert.Equal(continues, RouteRun.ContinuesAfter(kind));

    [Fact]
    public void RouteRun_RoundTripsThroughJson_AsADurableInputDoes()
    {
        var run = RouteRun.Start(Plan, Original, [RouteStrategy.Cache], "key", Now)! with { NoCache = true };

        var back = JsonSerializer.Deserialize<RouteRun>(JsonSerializer.Serialize(run))!;

        Assert.Equal(run.Plan.Stages, back.Plan.Stages, (a, b) => a.Strategy == b.Strategy && a.Tier == b.Tier && a.Members?.Count == b.Members?.Count && a.Rewrite == b.Rewrite);
        Assert.True(back.NoCache);
        Assert.Equal(run.StageRequest().Deadline, back.StageRequest().Deadline);
    }

    private static Candidate Candidate(string provider, string model, int priority) =>
        new(new ProviderKey(provider, model), priority, 10_000, ProviderHealth.New(new ProviderKey(provider, model)));
}
