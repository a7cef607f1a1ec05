extern alias FunctionApp;

using System.Text.Json;
using FunctionApp::LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Routes;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>A route's chain in the durable orchestration, on a scripted context: no storage, virtual time.</summary>
public sealed class PromptOrchestrationRouteTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ProviderKey A = Key("Alpha");
    private static readonly ProviderKey B = Key("Beta");

    private static readonly RoutePlan Plan = new(
        "recipes",
        null,
        [
            new RouteStage(RouteStrategy.Tier, 0, "PREMIUM", ["Alpha"]),
            new RouteStage(RouteStrategy.Tier, 0, "STANDARD", ["Beta"]),
            new RouteStage(RouteStrategy.Degraded, 1, Answer: "busy, try later"),
        ]);

    [Fact]
    public async Task Tier1Dead_Tier2Answers_OutputSaysWhichTier()
    {
        var context = Context(Healthy(A))
            .On(PromptOrchestration.AttemptProviderName, input => KeyOf(input) == A ? Report(input, Outcome(ErrorClass.AuthFailed, 401)) : Report(input, Outcome(ErrorClass.Success, 200)));

        var output = await RunAsync(context);

        var metadata = output.GetProperty("metadata");
        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal("tier", metadata.GetProperty("strategy").GetString());
        Assert.Equal("STANDARD", metadata.GetProperty("tier").GetString());
        Assert.Equal(["Alpha:AuthFailed", "Beta:Success"], Attempts(output));
    }

    [Fact]
    public async Task EveryTierFails_TheDegradedAnswerIsTheOutput()
    {
        var context = Context(Healthy(A))
            .On(PromptOrchestration.AttemptProviderName, input => Report(input, Outcome(ErrorClass.QuotaExhausted, 402)));

        var output = await RunAsync(context);

        Assert.Equal("Succeeded", output.GetProperty("status").GetString());
        Assert.Equal("busy, try later", output.GetProperty("content").GetString());
        Assert.Equal("degraded", output.GetProperty("metadata").GetProperty("strategy").GetString());
        Assert.Equal(["Alpha:QuotaExhausted", "Beta:QuotaExhausted"], Attempts(output));
    }

    [Fact]
    public async Task Tier1CoolingDown_WithATierAfterIt_MovesOnWithoutWaiting()
    {
        var cooling = Healthy(A) with { CooldownUntil = T0.AddSeconds(30) };
        var context = Context(cooling)
            .On(PromptOrchestration.AttemptProviderName, input => Report(input, Outcome(ErrorClass.Success, 200)));

        var output = await RunAsync(context);

        Assert.Empty(context.Timers);
        Assert.Equal(["Beta:Success"], Attempts(output));
        Assert.Equal("STANDARD", output.GetProperty("metadata").GetProperty("tier").GetString());
    }

    [Fact]
    public async Task DegradedForbidden_EveryTierFails_TheLastTiersFailureIsTheOutput()
    {
        var context = Context(Healthy(A), [RouteStrategy.Degraded])
            .On(PromptOrchestration.AttemptProviderName, input => Report(input, Outcome(ErrorClass.QuotaExhausted, 402)));

        var output = await RunAsync(context);

        Assert.Equal("Failed", output.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, output.GetProperty("metadata").GetProperty("strategy").ValueKind);
        Assert.Equal(["Alpha:QuotaExhausted", "Beta:QuotaExhausted"], Attempts(output));
    }

    private static ScriptedOrchestrationContext Context(ProviderHealth alpha, IReadOnlyList<RouteStrategy>? forbidden = null)
    {
        var request = Request();
        var run = RouteRun.Start(Plan, request, forbidden ?? [], null, T0)!;
        List<Candidate> candidates = [new(A, 100, 6_000, alpha), new(B, 200, 6_000, Healthy(B))];
        return new ScriptedOrchestrationContext(T0, new PromptInput(request, new FailoverOptions(), Route: run))
            .On(PromptOrchestration.ReadProviderHealthName, _ => candidates);
    }

    private static async Task<JsonElement> RunAsync(ScriptedOrchestrationContext context) =>
        await new PromptOrchestration(context, context.GetInput<PromptInput>()!).RunAsync();

    private static ProviderKey KeyOf(JsonElement input) =>
        input.GetProperty("attempt").GetProperty("key").Deserialize<ProviderKey>(Json)!;

    private static AttemptReport Report(JsonElement input, AttemptOutcome outcome) =>
        new(KeyOf(input), outcome, T0, T0, null, outcome.Class == ErrorClass.Success ? new ChatCompletion("hi", "model", "stop", 1, 1) : null, null);

    private static List<string> Attempts(JsonElement output) =>
        [.. output.GetProperty("metadata").GetProperty("attempts").EnumerateArray()
            .Select(a => $"{a.GetProperty("provider").GetString()}:{a.GetProperty("error_class").GetString()}")];
}
