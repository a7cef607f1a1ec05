using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Gateway;

/// <summary>
/// Seed 003: 13 providers, 8 of them permanently broken (401/402/403/404) yet called on every request. The gateway
/// must call each broken one once, disable it for its cooldown, and serve every request from a healthy provider.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class Seed003FleetTests(AzuriteFixture azurite)
{
    private static readonly string[] Dead = ["Scaleway", "Kluster", "Novita", "Fireworks", "OpenRouter", "Cerebras", "DeepSeek", "Hyperbolic", "HuggingFace"];
    private static readonly string[] Healthy = ["Groq", "SambaNova", "GitHubModels", "Cloudflare"];

    [Fact]
    public async Task SeedFleet_DeadProvidersFirst_EachDeadProviderCalledOncePerCooldownAndEveryRequestServed()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var settings = new Dictionary<string, string?> { ["LlmFunctions:Providers:Nebius:Enabled"] = "false" };

        // The incident's worst order: every broken provider is tried before any working one.
        var priority = 10;
        foreach (var name in Dead.Concat(Healthy))
        {
            settings[$"LlmFunctions:Providers:{name}:Priority"] = (priority += 10).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var gateway = await GatewayHarness.StartAsync(azurite, "scenarios/seed-003.json", timeScale: 0.01, settings);
        Assert.Equal(13, gateway.Catalog.Providers.Count);

        const int requests = 40;
        var winners = new List<string>();
        for (var i = 0; i < requests; i++)
        {
            var step = await gateway.RunAsync($"Request {i}: classify this question about data structures.", timeout.Token);
            Assert.Equal(FinishKind.Succeeded, step.Finish?.Kind);
            Assert.NotNull(step.Completion);
            winners.Add(step.Finish!.Winner!.Key.Provider);
        }

        var stats = gateway.Simulator.Stats;
        foreach (var name in Dead)
        {
            Assert.Equal(1, stats.For(name).Calls);
        }

        Assert.All(winners, w => Assert.Contains(w, Healthy));
        var health = (await gateway.Health.GetAllAsync(timeout.Token)).ToDictionary(h => h.Key.Provider);
        var now = gateway.Time.GetUtcNow();
        Assert.All(Dead, name => Assert.Equal(AvailabilityKind.Disabled, health[name].AvailabilityAt(now).Kind));
        Assert.Equal("HTTP 402 Payment Required", health["DeepSeek"].DisabledReason);

        // After the 24 h cooldown each broken provider gets exactly one recovery probe, fails it, and is disabled again.
        gateway.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        for (var i = 0; i < 5; i++)
        {
            var step = await gateway.RunAsync($"After cooldown {i}", timeout.Token);
            Assert.Equal(FinishKind.Succeeded, step.Finish?.Kind);
        }

        stats = gateway.Simulator.Stats;
        Assert.All(Dead, name => Assert.Equal(2, stats.For(name).Calls));
        Assert.True(stats.For("Groq").Calls + stats.For("SambaNova").Calls + stats.For("GitHubModels").Calls + stats.For("Cloudflare").Calls >= requests + 5);
    }
}
