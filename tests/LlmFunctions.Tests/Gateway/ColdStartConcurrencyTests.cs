using System.Globalization;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Gateway;

/// <summary>
/// Many requests starting at the same moment on one host with no health rows yet: a provider nobody has called is
/// tried by one request, the others wait for its outcome in process, then decide with what it learned.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ColdStartConcurrencyTests(AzuriteFixture azurite)
{
    private const int Concurrency = 32;
    private static readonly string[] Dead = ["Scaleway", "Kluster", "Novita", "Fireworks", "OpenRouter", "Cerebras", "DeepSeek", "Hyperbolic", "HuggingFace"];
    private static readonly string[] Healthy = ["Groq", "SambaNova", "GitHubModels", "Cloudflare"];

    private static Task<PromptRunStep[]> RunConcurrentlyAsync(GatewayHarness gateway, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Concurrency).Select(i => Task.Run(() => gateway.RunAsync($"Cold request {i}", cancellationToken), cancellationToken)));

    [Fact]
    public async Task RunAsync_ColdStartOnOneHealthyProvider_EveryConcurrentRequestSucceedsAfterOneProbe()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var settings = BuiltInProviders.All.Where(b => b.Name != "Groq")
            .ToDictionary(b => $"{ProviderCatalog.SectionName}:{b.Name}:Enabled", _ => (string?)"false");
        await using var gateway = await GatewayHarness.StartAsync(azurite, "scenarios/healthy.json", timeScale: 1, settings);

        var steps = await RunConcurrentlyAsync(gateway, timeout.Token);

        Assert.All(steps, s => Assert.Equal(FinishKind.Succeeded, s.Finish?.Kind));
        Assert.Equal(Concurrency, gateway.Simulator.Stats.For("Groq").Calls);
        Assert.All(steps, s => Assert.Equal("Groq", Assert.Single(s.State.History.OfType<AttemptRecord>()).Key.Provider));
    }

    [Fact]
    public async Task RunAsync_SeedFleetColdStartAt32Concurrent_EachDeadProviderCalledOnceAndEveryRequestServed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var settings = new Dictionary<string, string?> { ["LlmFunctions:Providers:Nebius:Enabled"] = "false" };
        var priority = 10;
        foreach (var name in Dead.Concat(Healthy))
        {
            settings[$"LlmFunctions:Providers:{name}:Priority"] = (priority += 10).ToString(CultureInfo.InvariantCulture);
        }

        await using var gateway = await GatewayHarness.StartAsync(azurite, "scenarios/seed-003.json", timeScale: 0.01, settings);

        var steps = await RunConcurrentlyAsync(gateway, timeout.Token);

        Assert.All(steps, s => Assert.Equal(FinishKind.Succeeded, s.Finish?.Kind));
        Assert.All(steps, s => Assert.Contains(s.Finish!.Winner!.Key.Provider, Healthy));
        var stats = gateway.Simulator.Stats;
        Assert.All(Dead, name => Assert.Equal(1, stats.For(name).Calls));
        var health = await gateway.Cache.GetAllAsync(timeout.Token);
        var now = gateway.Time.GetUtcNow();
        Assert.All(Dead, name => Assert.Equal(AvailabilityKind.Disabled, health.Single(h => h.Key.Provider == name).Value.AvailabilityAt(now).Kind));
    }
}
