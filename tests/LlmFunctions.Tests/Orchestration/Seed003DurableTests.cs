using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>
/// Seed 003 through the durable path: 100 prompts started at once through <c>POST /api/prompts</c> against the
/// incident's 13-provider fleet, every broken provider placed first. Each broken provider must be called at most once
/// in its 24 h cooldown, and (almost) every prompt must be answered.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class Seed003DurableTests(AzuriteFixture azurite)
{
    private static readonly string[] Dead = ["Scaleway", "Kluster", "Novita", "Fireworks", "OpenRouter", "Cerebras", "DeepSeek", "Hyperbolic", "HuggingFace"];
    private static readonly string[] Healthy = ["Groq", "SambaNova", "GitHubModels", "Cloudflare"];

    [Fact]
    public async Task StartPrompt_HundredPromptsAgainstTheIncidentFleet_AtLeast99CompleteAndEachDeadProviderIsCalledAtMostOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var scenario = JsonNode.Parse(File.ReadAllText(SimulatorTestHost.RepoFile("scenarios/seed-003.json")))!;
        scenario["timeScale"] = 0.01;
        var settings = new Dictionary<string, string?>();
        var priority = 10;
        foreach (var name in Dead.Concat(Healthy))
        {
            settings[$"LlmFunctions:Providers:{name}:Priority"] = (priority += 10).ToString(CultureInfo.InvariantCulture);
        }

        await using var app = await ChatApp.StartAsync(azurite, scenario.ToJsonString(), settings);
        Assert.Equal(13, app.Catalog.Providers.Count);
        using var client = app.Client();

        var ids = Enumerable.Range(0, 100).Select(i => string.Create(CultureInfo.InvariantCulture, $"seed003-{i:D3}")).ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = timeout.Token }, async (id, ct) =>
        {
            using var response = await client.PostAsJsonAsync(new Uri($"/api/prompts/{id}", UriKind.Relative), new { messages = new[] { new { role = "user", content = $"Request {id}: classify this question about data structures." } } }, ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });

        var statuses = new Dictionary<string, string>();
        await Eventually.WaitAsync(
            async () =>
            {
                using var list = await client.GetAsync(new Uri("/runtime/webhooks/durabletask/instances?top=1000", UriKind.Relative), timeout.Token);
                var all = await list.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
                statuses = all.EnumerateArray().ToDictionary(s => s.GetProperty("instanceId").GetString()!, s => s.GetProperty("runtimeStatus").GetString()!);
                return statuses.Count == ids.Count && statuses.Values.All(s => s is "Completed" or "Failed");
            },
            TimeSpan.FromMinutes(2),
            () => $"100 instances finished; now {string.Join(", ", statuses.GroupBy(s => s.Value).Select(g => $"{g.Key}: {g.Count()}"))}");

        Assert.True(statuses.Values.Count(s => s == "Completed") >= 99, $"completed {statuses.Values.Count(s => s == "Completed")} of 100");
        var stats = app.Simulator.Stats;
        Assert.All(Dead, name => Assert.InRange(stats.For(name).Calls, 0, 1));
        Assert.True(Dead.Sum(name => stats.For(name).Calls) >= 1, "the dead providers were never tried: the test proves nothing");
        Assert.True(Healthy.Sum(name => stats.For(name).Calls) >= 99);
    }
}
