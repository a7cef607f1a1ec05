using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using static LlmFunctions.Tests.Orchestration.DurableHarness;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>A durable instance whose only provider answers 429 with a Retry-After longer than the in-process wait
/// waits for it on a durable timer and calls the provider again, instead of failing.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class RateLimitWaitTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Start_OnlyProviderRateLimitedForSixSeconds_InstanceWaitsAndCompletesOnItsSecondAttempt()
    {
        // One request per 6 s window: the first instance takes it, the second meets a 429 with Retry-After 6 s, above
        // the 5 s the runner waits in process (ShortRetryAfterThreshold).
        await using var app = await ChatApp.StartAsync(
            azurite,
            ChatApp.Scenario(("Groq", "\"rateLimit\": { \"requestsPerWindow\": 1, \"windowSeconds\": 6, \"retryAfter\": \"seconds\" }")),
            FastSettings());

        var first = await StartAsync(app);
        await WaitForStatusAsync(app, first, "Completed");
        var second = await StartAsync(app);

        // The 6 s wait is a durable timer (a queue message's visibility, whole seconds): more than WaitForStatusAsync allows.
        System.Text.Json.JsonElement completed = default;
        await Eventually.WaitAsync(
            async () =>
            {
                (_, completed) = await StatusAsync(app, second, showHistory: true);
                return completed.TryGetProperty("runtimeStatus", out var status) && status.GetString() is "Completed" or "Failed";
            },
            TimeSpan.FromSeconds(30),
            () => $"instance {second} to finish; last seen: {completed}");

        Assert.Equal("Completed", completed.GetProperty("runtimeStatus").GetString());

        var groq = app.Simulator.Stats.For("Groq");
        Assert.Equal(2, groq.Count(LlmFunctions.Simulator.SimulatorOutcomes.Ok));
        Assert.Equal(1, groq.Count(LlmFunctions.Simulator.SimulatorOutcomes.RateLimited));
        var attempts = completed.GetProperty("output").GetProperty("metadata").GetProperty("attempts");
        Assert.Equal(2, attempts.GetArrayLength());
        Assert.Equal(429, attempts[0].GetProperty("http_status").GetInt32());
        Assert.Equal(2, attempts[1].GetProperty("attempt").GetInt32());
    }
}
