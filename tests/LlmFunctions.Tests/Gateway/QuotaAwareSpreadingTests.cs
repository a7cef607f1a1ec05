using System.Globalization;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Gateway;

/// <summary>
/// Spreading against the simulator: Groq allows 3 requests a window and reports what is left of it in
/// <c>x-ratelimit-*</c> headers on every answer; SambaNova has no limit. Both run on the gateway's fake clock.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class QuotaAwareSpreadingTests(AzuriteFixture azurite)
{
    private const string Scenario = """
        { "providers": [
          { "name": "Groq", "api": "openai", "rateLimit": { "requestsPerWindow": 3, "windowSeconds": 60, "retryAfter": "seconds", "resetHeaders": true } },
          { "name": "SambaNova", "api": "openai" } ] }
        """;

    private static readonly AttemptOutcome Success = new() { Class = ErrorClass.Success, HttpStatus = 200, Reason = "ok" };

    [Fact]
    public async Task RunAsync_QuotaAwareAndGroqReportsZeroLeft_NextRequestsGoToSambaNovaWithout429()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var gateway = await StartAsync("quota-aware");

        var winners = await RunSixAsync(gateway, timeout.Token);

        Assert.Equal(["Groq", "Groq", "Groq", "SambaNova", "SambaNova", "SambaNova"], winners);
        Assert.Equal(3, gateway.Simulator.Stats.For("Groq").Calls);
        Assert.Equal(0, gateway.Simulator.Stats.For("Groq").Count(SimulatorOutcomes.RateLimited));
        var quota = gateway.Cache.Find(new ProviderKey("Groq", gateway.Catalog.Find("Groq")!.Models[0]))!.Quota;
        Assert.Equal(0, quota?.RemainingRequests);
        Assert.Equal(3, quota?.LimitRequests);
    }

    [Fact]
    public async Task RunAsync_QuotaAwareAfterTheReportedWindowResets_GroqIsPreferredAgain()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var gateway = await StartAsync("quota-aware");
        await RunSixAsync(gateway, timeout.Token);

        gateway.Time.Advance(TimeSpan.FromSeconds(61));
        var step = await gateway.RunAsync("after the reset", timeout.Token);

        Assert.Equal("Groq", step.Finish?.Winner?.Key.Provider);
        Assert.Equal(0, gateway.Simulator.Stats.For("Groq").Count(SimulatorOutcomes.RateLimited));
    }

    [Fact]
    public async Task RunAsync_PriorityWhenGroqReportsZeroLeft_GroqStillAnswers429First()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var gateway = await StartAsync("priority");

        var winners = await RunSixAsync(gateway, timeout.Token);

        Assert.Equal(["Groq", "Groq", "Groq", "SambaNova", "SambaNova", "SambaNova"], winners);
        Assert.Equal(1, gateway.Simulator.Stats.For("Groq").Count(SimulatorOutcomes.RateLimited));
    }

    private async Task<GatewayHarness> StartAsync(string spreading)
    {
        var settings = BuiltInProviders.All.Where(b => b.Name is not ("Groq" or "SambaNova"))
            .ToDictionary(b => $"{ProviderCatalog.SectionName}:{b.Name}:Enabled", _ => (string?)"false");
        settings[$"{ProviderCatalog.SectionName}:Groq:Priority"] = "10";
        settings[$"{ProviderCatalog.SectionName}:SambaNova:Priority"] = "20";
        settings[$"{FailoverOptions.SectionName}:Spreading"] = spreading;
        var gateway = await GatewayHarness.StartWithScenarioAsync(azurite, Scenario, settings, SimulatorClock.GatewayFake);

        // Known and working before the test begins, so the first calls are not single-flight probes.
        foreach (var provider in new[] { "Groq", "SambaNova" })
        {
            await gateway.Cache.RecordAsync(new ProviderKey(provider, gateway.Catalog.Find(provider)!.Models[0]), Success);
        }

        return gateway;
    }

    private static async Task<List<string?>> RunSixAsync(GatewayHarness gateway, CancellationToken cancellationToken)
    {
        var winners = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            var step = await gateway.RunAsync(string.Create(CultureInfo.InvariantCulture, $"Request {i}"), cancellationToken);
            winners.Add(step.Finish?.Winner?.Key.Provider);
        }

        return winners;
    }
}
