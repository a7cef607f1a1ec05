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
    public async Task TwoHosts_FirstStopsWhileInstancesWaitOnTimers_SecondFinishesEachOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // Groq's 503 puts every instance on a durable backoff timer of 5 s; the host that started them stops before
        // the timers are due, and the other host, sharing the task hub, takes its partitions and finishes them.
        var settings = new Dictionary<string, string?>
        {
            ["LlmFunctions:Failover:BaseDelay"] = "00:00:05",
            ["LlmFunctions:Failover:MaxDelay"] = "00:00:05",
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

        var ids = Enumerable.Range(0, 30).Select(i => string.Create(CultureInfo.InvariantCulture, $"shared-{i:D2}")).ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = timeout.Token }, async (id, ct) =>
        {
            using var response = await client.PostAsJsonAsync(new Uri($"/api/prompts/{id}", UriKind.Relative), new { messages = new[] { new { role = "user", content = id } } }, ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });
        // Stop the first host once no activity is running there: each instance has made its first call and either waits
        // on its backoff timer (Groq's 503) or, having met Groq's first call in flight on the other host and gone to
        // Cerebras, has completed.
        var settled = 0;
        await Eventually.WaitAsync(
            async () =>
            {
                settled = 0;
                foreach (var id in ids)
                {
                    using var status = await client.GetAsync(new Uri($"/runtime/webhooks/durabletask/instances/{id}", UriKind.Relative), timeout.Token);
                    var json = await status.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
                    var waiting = json.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
                        && custom.GetProperty("phase").GetString() == "waiting";
                    settled += waiting || json.GetProperty("runtimeStatus").GetString() == "Completed" ? 1 : 0;
                }

                return settled == ids.Count;
            },
            TimeSpan.FromSeconds(30),
            () => $"every instance waiting on its timer or completed; {settled} of {ids.Count}, Groq saw {app.Simulator.Stats.For("Groq").Calls}");

        await app.Factory.DisposeAsync();
        using var survivor = second.CreateClient();
        var outputs = new Dictionary<string, JsonElement>();
        await Eventually.WaitAsync(
            async () =>
            {
                foreach (var id in ids)
                {
                    using var status = await survivor.GetAsync(new Uri($"/runtime/webhooks/durabletask/instances/{id}?showHistory=true", UriKind.Relative), timeout.Token);
                    if (status.StatusCode != HttpStatusCode.OK)
                    {
                        return false;
                    }

                    var json = await status.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
                    Assert.True(json.GetProperty("runtimeStatus").GetString() == "Completed", json.GetProperty("output").ToString());
                    Assert.Single(json.GetProperty("historyEvents").EnumerateArray(), e => e.GetProperty("EventType").GetString() == "ExecutionCompleted");
                    outputs[id] = json.GetProperty("output");
                }

                return true;
            },
            TimeSpan.FromSeconds(90),
            () => "every instance completed on the second host");

        // Every attempt an instance recorded reached the provider, and nothing else did but the calls the stopping host
        // cancelled (its activities are cancelled with the host and run again on the other): at most one per instance.
        // (An instance that met Groq's first call in flight on the other host goes on to Cerebras without calling Groq.)
        int Recorded(string provider) => outputs.Values.Sum(o => o.GetProperty("metadata").GetProperty("attempts").EnumerateArray().Count(a => a.GetProperty("provider").GetString() == provider));
        Assert.All(outputs.Values, o => Assert.Equal("Cerebras", o.GetProperty("metadata").GetProperty("provider").GetString()));
        Assert.Equal(ids.Count, Recorded("Cerebras"));
        var unrecorded = app.Simulator.Stats.For("Groq").Calls + app.Simulator.Stats.For("Cerebras").Calls - Recorded("Groq") - Recorded("Cerebras");
        Assert.InRange(unrecorded, 0, ids.Count);
    }
}
