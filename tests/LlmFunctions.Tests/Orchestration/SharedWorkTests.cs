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
    public async Task TwoHosts_TimersOfInstancesStartedOnOne_AreTakenByBothAndEachFinishesOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        // A first step runs on the host that started the instance; the durable timer after Groq's 503 is a queue
        // message either host may take. Small batches and 20 ms calls keep one host from draining the queue alone.
        var settings = new Dictionary<string, string?>
        {
            ["LlmFunctions:Orchestration:BatchSize"] = "4",
            ["LlmFunctions:Failover:BaseDelay"] = "00:00:00.300",
            ["LlmFunctions:Failover:MaxDelay"] = "00:00:00.300",
            ["LlmFunctions:Failover:MaxAttemptsPerProvider"] = "2",
            ["LlmFunctions:Health:FailureThreshold"] = "1000",
            ["LlmFunctions:Providers:Groq:Priority"] = "1",
            ["LlmFunctions:Providers:Cerebras:Priority"] = "2",
        };
        await using var app = await ChatApp.StartAsync(
            azurite,
            ChatApp.Scenario(("Groq", "\"status\": 503"), ("Cerebras", "\"latencyMs\": { \"fixed\": 20 }")),
            settings);
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
                    Assert.True(json.GetProperty("runtimeStatus").GetString() == "Completed", json.GetProperty("output").ToString());
                    var completions = json.GetProperty("historyEvents").EnumerateArray().Where(e => e.GetProperty("EventType").GetString() == "ExecutionCompleted").ToList();
                    Assert.Single(completions);
                    workers.Add(completions[0].GetProperty("worker").GetString()!);
                }

                return true;
            },
            TimeSpan.FromSeconds(45),
            () => "every instance completed");

        Assert.Equal(2, workers.Distinct().Count());
        Assert.Equal(2 * ids.Count, app.Simulator.Stats.For("Groq").Calls);
        Assert.Equal(ids.Count, app.Simulator.Stats.For("Cerebras").Calls);
    }
}
