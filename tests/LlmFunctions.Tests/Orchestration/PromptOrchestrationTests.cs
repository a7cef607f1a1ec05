extern alias FunctionApp;

using System.Text.Json;
using FunctionApp::LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>The prompt orchestration on a scripted context: no storage, virtual time. Each provider call is the
/// AttemptProvider activity; transient failures go through Durable's retry handler and durable timers.</summary>
public sealed class PromptOrchestrationTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ProviderKey A = Key("Alpha");
    private static readonly ProviderKey B = Key("Beta");

    private static readonly FailoverOptions Options = new()
    {
        MaxAttemptsPerProvider = 3,
        BaseDelay = TimeSpan.FromSeconds(2),
        MaxDelay = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task Run_TransientTwiceThenSuccess_RetriedByTheRetryHandlerOnBackoffTimersOnTheSameProvider()
    {
        var calls = 0;
        var context = Context(Candidates())
            .On(PromptOrchestration.AttemptProviderName, input => ++calls < 3 ? throw Transient(input) : Success(input));

        var output = await RunAsync(context);

        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal(3, calls);
        Assert.Equal([T0.AddSeconds(2), T0.AddSeconds(6)], context.Timers);
        var attempts = Attempts(output);
        Assert.Equal(["Alpha#1 Transient", "Alpha#2 Transient", "Alpha#3 Success"], attempts);
        Assert.Equal("completed", context.CustomStatuses[^1].GetProperty("phase").GetString());
        Assert.Contains(context.CustomStatuses, s => s.GetProperty("phase").GetString() == "waiting" && s.GetProperty("nextRetryAt").GetDateTimeOffset() == T0.AddSeconds(2));
    }

    [Fact]
    public async Task Run_TransientUntilAttemptsRunOut_MovesToTheNextProvider()
    {
        var context = Context(Candidates())
            .On(PromptOrchestration.AttemptProviderName, input => KeyOf(input) == A ? throw Transient(input) : Success(input));

        var output = await RunAsync(context);

        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal(["Alpha#1 Transient", "Alpha#2 Transient", "Alpha#3 Transient", "Beta#1 Success"], Attempts(output));
        Assert.Equal(2, context.Timers.Count);
    }

    [Fact]
    public async Task Run_ShortRetryAfter_WaitsOnADurableTimerUntilThatTimeThenRetries()
    {
        var calls = 0;
        var context = Context(Candidates());
        context.On(PromptOrchestration.AttemptProviderName, input => ++calls == 1
            ? Report(input, context.Now, new AttemptOutcome { Class = ErrorClass.RateLimited, HttpStatus = 429, Reason = "HTTP 429", RetryAt = context.Now.AddSeconds(3) })
            : Success(input));

        var output = await RunAsync(context);

        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal([T0.AddSeconds(3)], context.Timers);
        Assert.Equal(["Alpha#1 RateLimited", "Alpha#2 Success"], Attempts(output));
    }

    [Fact]
    public async Task Run_EveryProviderBlockedUntilBeforeTheDeadline_WaitsForTheEarliestReadsHealthAgainAndCallsIt()
    {
        var reads = 0;
        var coolingA = Healthy(A) with { CooldownUntil = T0.AddSeconds(30) };
        var disabledB = Healthy(B) with { DisabledUntil = T0.AddDays(1) };
        var context = Context(null)
            .On(PromptOrchestration.ReadProviderHealthName, _ => ++reads == 1
                ? Candidates(coolingA, disabledB)
                : Candidates(Healthy(A), disabledB))
            .On(PromptOrchestration.AttemptProviderName, Success);

        var output = await RunAsync(context);

        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal([T0.AddSeconds(30)], context.Timers);
        Assert.Equal(2, reads);
        Assert.Equal(["Alpha#1 Success"], Attempts(output));
    }

    [Fact]
    public async Task Run_FreshHealthBlocksTheCall_RecordsTheSkipAndTriesTheNextProvider()
    {
        var context = Context(Candidates());
        context.On(PromptOrchestration.AttemptProviderName, input => KeyOf(input) == A
            ? new AttemptReport(A, null, context.Now, context.Now, Healthy(A) with { Circuit = CircuitState.Open, OpenUntil = T0.AddDays(2) }, null, new SkipProvider(A, "circuit open", SkipKind.CircuitOpen, T0.AddDays(2)))
            : Success(input));

        var output = await RunAsync(context);

        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal(["Beta#1 Success"], Attempts(output));
        Assert.Contains(output.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("CircuitOpen", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_ActivityBreaksTwiceThenWorks_TriedAgainOnTimersAndNotCountedAsAnAttempt()
    {
        var calls = 0;
        var context = Context(Candidates())
            .On(PromptOrchestration.AttemptProviderName, input => ++calls <= 2 ? throw new InvalidOperationException("storage unreachable") : Success(input));

        var output = await RunAsync(context);

        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal(3, calls);
        Assert.Equal(2, context.Timers.Count);
        Assert.Equal(["Alpha#1 Success"], Attempts(output));
    }

    [Fact]
    public async Task Run_ActivityKeepsBreaking_CountsAsUnexpectedAndMovesOn()
    {
        var context = Context(Candidates())
            .On(PromptOrchestration.AttemptProviderName, input => KeyOf(input) == A ? throw new InvalidOperationException("boom") : Success(input));

        var output = await RunAsync(context);

        Assert.Equal(["Alpha#1 Unexpected", "Beta#1 Success"], Attempts(output));
    }

    [Fact]
    public async Task Run_HandedOffStateWithAWait_ResumesWithTheWaitThenTheRetry()
    {
        var request = Request();
        var state = FailoverState.Start(request, Candidates())
            .Record(new AttemptProvider(A, 1, false, request.Messages, false, 10, 10, TimeSpan.Zero), T0, T0, Outcome(ErrorClass.Transient, 503))
            .Record(new WaitThenRetry(A, T0.AddSeconds(2), TimeSpan.FromSeconds(2), "backoff"));
        var context = new ScriptedOrchestrationContext(T0, new PromptInput(request, Options, state))
            .On(PromptOrchestration.ReadProviderHealthName, _ => Candidates())
            .On(PromptOrchestration.AttemptProviderName, Success);

        var output = await RunAsync(context);

        Assert.Equal([T0.AddSeconds(2)], context.Timers);
        Assert.Equal(["Alpha#1 Transient", "Alpha#2 Success"], Attempts(output));
    }

    [Fact]
    public async Task Run_InputCarriesTheCandidates_StartsWithTheAttemptWithoutReadingHealth()
    {
        var context = new ScriptedOrchestrationContext(T0, new PromptInput(Request(), Options, Candidates: Candidates(a: Healthy(A) with { CooldownUntil = T0.AddHours(1) })))
            .On(PromptOrchestration.AttemptProviderName, Success);

        var output = await RunAsync(context);

        // The input's health rules the first round: Alpha (cooling down there) is skipped without a health read.
        Assert.Equal(["Beta#1 Success"], Attempts(output));
        Assert.Equal([PromptOrchestration.AttemptProviderName], context.ActivityCalls.Select(c => c.Name));
    }

    private static List<Candidate> Candidates(ProviderHealth? a = null, ProviderHealth? b = null) =>
        [new(A, 1, 6_000, a ?? Healthy(A)), new(B, 2, 6_000, b ?? Healthy(B))];

    private static ScriptedOrchestrationContext Context(List<Candidate>? candidates)
    {
        var context = new ScriptedOrchestrationContext(T0, new PromptInput(Request(), Options));
        return candidates is null ? context : context.On(PromptOrchestration.ReadProviderHealthName, _ => candidates);
    }

    private static async Task<JsonElement> RunAsync(ScriptedOrchestrationContext context) =>
        await new PromptOrchestration(context, context.GetInput<PromptInput>()!).RunAsync();

    private static ProviderKey KeyOf(JsonElement input) =>
        input.GetProperty("attempt").GetProperty("key").Deserialize<ProviderKey>(Json)!;

    private static AttemptReport Report(JsonElement input, DateTimeOffset at, AttemptOutcome outcome) =>
        new(KeyOf(input), outcome, at, at, null, outcome.Class == ErrorClass.Success ? new ChatCompletion("hi", "model", "stop", 1, 1) : null, null);

    private static AttemptReport Success(JsonElement input) =>
        Report(input, T0, new AttemptOutcome { Class = ErrorClass.Success, HttpStatus = 200, Reason = "HTTP 200" });

    private static TransientAttemptException Transient(JsonElement input) =>
        new(Report(input, T0, new AttemptOutcome { Class = ErrorClass.Transient, HttpStatus = 503, Reason = "HTTP 503" }));

    private static List<string> Attempts(JsonElement output) =>
        [.. output.GetProperty("metadata").GetProperty("attempts").EnumerateArray()
            .Select(a => $"{a.GetProperty("provider").GetString()}#{a.GetProperty("attempt").GetInt32()} {a.GetProperty("error_class").GetString()}")];
}
