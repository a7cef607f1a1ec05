using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>Several hosts against one storage account share the work of one task hub.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class SharedWorkTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TwoHosts_InstancesStartedOnOne_AreFinishedByBothAndEachExactlyOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var settings = new Dictionary<string, string?> { ["LlmFunctions:Orchestration:BatchSize"] = "4" };
        // 20 ms per call so that neither host can drain the queue alone before the other polls.
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"latencyMs\": { \"fixed\": 20 }")), settings);
        await using var second = await app.AnotherHostAsync();
        using var client = app.Client();

        var ids = Enumerable.Range(0, 60).Select(i => string.Create(CultureInfo.InvariantCulture, $"shared-{i:D2}")).ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = timeout.Token }, async (id, ct) =>
        {
            using var response = await client.PostAsJsonAsync(new Uri($"/api/prompts/{id}", UriKind.Relative), new { messages = new[] { new { role = "user", content = id } } }, ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });

        var workers = new List<string>();
        await Eventually.WaitAsync(
            async () =>
            {
                workers.Clear();
                foreach (var id in ids)
                {
                    using var status = await client.GetAsync(new Uri($"/runtime/webhooks/durabletask/instances/{id}?showHistory=true", UriKind.Relative), timeout.Token);
                    if (status.StatusCode != HttpStatusCode.OK)
                    {
                        return false;
                    }

                    var json = await status.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
                    var completions = json.GetProperty("historyEvents").EnumerateArray().Where(e => e.GetProperty("EventType").GetString() == "ExecutionCompleted").ToList();
                    Assert.Single(completions);
                    workers.Add(completions[0].GetProperty("worker").GetString()!);
                }

                return true;
            },
            TimeSpan.FromSeconds(45),
            () => "every instance completed");

        Assert.Equal(2, workers.Distinct().Count());
        Assert.Equal(ids.Count, app.Simulator.Stats.For("Groq").Calls);
    }
}
