using System.Globalization;
using LlmFunctions.Alerts;
using LlmFunctions.Failover;
using LlmFunctions.Tests.Gateway;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmFunctions.Tests.Alerts;

/// <summary>
/// The seed-003 fleet served by two hosts on one fake clock: each expected alert reaches the webhook exactly once, though
/// both hosts meet the same dead providers and race to raise the same alerts.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class Seed003AlertTests(AzuriteFixture azurite)
{
    // Status of each dead provider in scenarios/seed-003.json, and the class it is counted under.
    private static readonly Dictionary<string, string> DeadClass = new()
    {
        ["Scaleway"] = "AuthFailed", ["Kluster"] = "AuthFailed",
        ["Novita"] = "NotFound", ["Fireworks"] = "NotFound", ["OpenRouter"] = "NotFound", ["Cerebras"] = "NotFound",
        ["DeepSeek"] = "QuotaExhausted", ["Hyperbolic"] = "QuotaExhausted", ["HuggingFace"] = "QuotaExhausted",
    };

    private static readonly string[] Healthy = ["Groq", "SambaNova", "GitHubModels", "Cloudflare"];

    // Every dead class has at least 2 providers: the class rule fires in every round whatever the hosts' race, and every
    // later error of the class in the window (on either host) meets the threshold again: only de-duplication keeps it at one.
    private const int ClassThreshold = 2;

    [Fact]
    public async Task SeedFleet_TwoHosts_EachExpectedAlertReachesTheWebhookExactlyOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var webhook = await WebhookReceiver.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["LlmFunctions:Providers:Nebius:Enabled"] = "false",
            [AlertOptions.SectionName + ":TableName"] = AzuriteFixture.UniqueTableName(),
            [AlertOptions.SectionName + ":WebhookUrl"] = webhook.Url.ToString(),
            [AlertOptions.SectionName + ":ClassThreshold"] = ClassThreshold.ToString(CultureInfo.InvariantCulture),
        };
        var priority = 10;
        foreach (var name in DeadClass.Keys.Concat(Healthy))
        {
            settings[$"LlmFunctions:Providers:{name}:Priority"] = (priority += 10).ToString(CultureInfo.InvariantCulture);
        }

        await using var a = await GatewayHarness.StartAsync(azurite, "scenarios/seed-003.json", timeScale: 0.01, settings);
        await using var b = a.AnotherHost();
        var hosts = new[] { a, b };
        foreach (var host in hosts)
        {
            foreach (var service in host.Services.GetServices<IHostedService>())
            {
                await service.StartAsync(timeout.Token);
            }
        }

        // Round 1: both hosts start at once with cold caches, so both may meet each dead provider; then 8 more requests.
        var first = await Task.WhenAll(a.RunAsync("first on A", timeout.Token), b.RunAsync("first on B", timeout.Token));
        Assert.All(first, s => Assert.Equal(FinishKind.Succeeded, s.Finish?.Kind));
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(FinishKind.Succeeded, (await hosts[i % 2].RunAsync($"request {i}", timeout.Token)).Finish?.Kind);
        }

        var round1Calls = DeadClass.Keys.ToDictionary(n => n, n => a.Simulator.Stats.For(n).Calls);
        var expected = Expected(round1Calls);
        await SettledAsync(hosts, webhook, expected.Count);

        // Round 2, after the 24 h disable: each dead provider gets one probe, fails it and is disabled again (a new
        // disable: alerted again); the class windows of round 1 are long over.
        a.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(FinishKind.Succeeded, (await hosts[i % 2].RunAsync($"after cooldown {i}", timeout.Token)).Finish?.Kind);
        }

        var round2Calls = DeadClass.Keys.ToDictionary(n => n, n => a.Simulator.Stats.For(n).Calls - round1Calls[n]);
        Assert.All(round2Calls.Values, calls => Assert.Equal(1, calls));
        expected.AddRange(Expected(round2Calls));
        await SettledAsync(hosts, webhook, expected.Count);

        var received = webhook.Texts.Select(Parse).Order().ToList();
        Assert.Equal(expected.Order().ToList(), received);
        Assert.Equal(9, received.Count(r => r.StartsWith(AlertRules.ProviderDisabled, StringComparison.Ordinal)) / 2);
        Assert.DoesNotContain(received, r => r.StartsWith(AlertRules.ModelErrors, StringComparison.Ordinal) || r.StartsWith(AlertRules.AllUnavailable, StringComparison.Ordinal));

        var latest = await a.Services.GetRequiredService<AlertStore>().ListAsync(100, timeout.Token);
        Assert.Equal(expected.Distinct().Count(), latest.Count);
    }

    /// <summary>What one round must raise, from the calls the dead providers actually got: one disable alert per dead
    /// provider (called at least once), one class alert per class with at least <see cref="ClassThreshold"/> errors,
    /// no model alert (no model errs 3 times in 10 minutes), no all-unavailable (the healthy ones serve).</summary>
    private static List<string> Expected(Dictionary<string, long> calls)
    {
        Assert.All(calls.Values, c => Assert.InRange(c, 1, 2));
        var expected = calls.Keys.Select(n => $"{AlertRules.ProviderDisabled} {n}").ToList();
        expected.AddRange(calls.GroupBy(c => DeadClass[c.Key]).Where(g => g.Sum(c => c.Value) >= ClassThreshold).Select(g => $"{AlertRules.ErrorClassRule} {g.Key}"));
        return expected;
    }

    // "[CRITICAL] provider_disabled Scaleway/model: …" -> "provider_disabled Scaleway"
    private static string Parse(string text)
    {
        var parts = text.Split(' ', 3);
        var subject = parts[2].Split(':', 2)[0];
        return $"{parts[1]} {(parts[1] == AlertRules.ErrorClassRule ? subject : subject.Split('/')[0])}";
    }

    private static async Task SettledAsync(GatewayHarness[] hosts, WebhookReceiver webhook, int expected)
    {
        foreach (var host in hosts)
        {
            await host.Cache.FlushAsync();
        }

        await Eventually.WaitAsync(
            () => Task.FromResult(webhook.Texts.Count >= expected && hosts.All(h => h.Services.GetRequiredService<AlertMonitor>().Pending == 0)),
            TimeSpan.FromSeconds(30),
            () => $"{expected} alerts at the webhook; got {webhook.Texts.Count}: {string.Join(" | ", webhook.Texts)}");
    }
}
