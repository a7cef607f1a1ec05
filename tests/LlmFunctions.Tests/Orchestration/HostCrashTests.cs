using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmFunctions.Providers;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>Durable timers survive the host: a host killed with SIGKILL while instances wait leaves nothing behind that
/// a new host cannot finish, and nothing finishes twice.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class HostCrashTests(AzuriteFixture azurite)
{
    private const int Instances = 200;

    [Fact]
    public async Task KillNine_WhileTwoHundredInstancesWaitOnBackoffTimers_RestartedHostFinishesEachExactlyOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        await using var simulator = await SimulatorTestHost.StartAsync(ChatApp.Scenario(("Groq", "\"status\": 503"), ("Cerebras", string.Empty)));
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [ProviderCatalog.SimulatorBaseUrlSetting] = simulator.BaseAddress.ToString(),
            ["LlmFunctions:Health:TableName"] = AzuriteFixture.UniqueTableName(),
            ["LlmFunctions:TaskHub"] = AzuriteFixture.UniqueTableName(),
            ["LlmFunctions:Health:FailureThreshold"] = "1000",
            ["LlmFunctions:Failover:MaxAttemptsPerProvider"] = "2",
            // Long enough that every instance is waiting before the first timer is due (jitter is ±20 %).
            ["LlmFunctions:Failover:BaseDelay"] = "00:00:10",
            ["LlmFunctions:Failover:MaxDelay"] = "00:00:10",
            ["LlmFunctions:Orchestration:MaxPollingInterval"] = "00:00:00.100",
            ["LlmFunctions:Orchestration:MessageVisibilityTimeout"] = "00:00:10",
            ["LlmFunctions:Providers:Groq:Priority"] = "1",
            ["LlmFunctions:Providers:Cerebras:Priority"] = "2",
        };
        foreach (var builtIn in BuiltInProviders.All.Where(b => b.Name is not ("Groq" or "Cerebras")))
        {
            settings[$"LlmFunctions:Providers:{builtIn.Name}:Enabled"] = "false";
        }

        var ids = Enumerable.Range(0, Instances).Select(i => string.Create(CultureInfo.InvariantCulture, $"crash-{i:D3}")).ToList();
        var first = await FunctionAppProcess.StartAsync(settings, ct);
        try
        {
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (id, token) =>
            {
                using var response = await first.Client.PostAsJsonAsync(new Uri($"api/prompts/{id}", UriKind.Relative), new { messages = new[] { new { role = "user", content = "Survive " + id } } }, token);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            });

            await Eventually.WaitAsync(
                async () => (await ListAsync(first.Client, "Running", ct)).Count(s => Phase(s) == "waiting") == Instances,
                TimeSpan.FromSeconds(30),
                () => $"all {Instances} instances waiting on a timer; host log:\n{first.Tail()}");
            Assert.Equal(Instances, simulator.Stats.For("Groq").Calls);
            Assert.Equal(0, simulator.Stats.For("Cerebras").Calls);

            first.Kill();
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = await FunctionAppProcess.StartAsync(settings, ct);
        var seen = new List<JsonElement>();
        await Eventually.WaitAsync(
            async () =>
            {
                seen = await ListAsync(second.Client, "Pending,Running,Completed,Failed,Terminated,Suspended", ct);
                return seen.Count(s => s.GetProperty("runtimeStatus").GetString() == "Completed") == Instances;
            },
            TimeSpan.FromSeconds(90),
            () => $"all {Instances} instances completed after the restart; seen: {string.Join(", ", seen.GroupBy(s => s.GetProperty("runtimeStatus").GetString() + "/" + Phase(s)).Select(g => $"{g.Key} {g.Count()}"))}; host log:\n{second.Tail()}");

        foreach (var id in ids)
        {
            using var status = await second.Client.GetAsync(new Uri($"runtime/webhooks/durabletask/instances/{id}?showHistory=true", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            var json = await status.Content.ReadFromJsonAsync<JsonElement>(ct);
            var events = json.GetProperty("historyEvents").EnumerateArray().Select(e => e.GetProperty("EventType").GetString()).ToList();
            Assert.Equal(1, events.Count(e => e == "ExecutionCompleted"));
            // The backoff timer set before the kill fired after it; an instance that then met Cerebras's first call
            // in flight on another step waits on one more timer (a blocked round), which is not a repeat.
            Assert.InRange(events.Count(e => e == "TimerFired"), 1, 3);
            Assert.Equal("Cerebras", json.GetProperty("output").GetProperty("metadata").GetProperty("provider").GetString());
        }

        // One retry on Groq after each timer, one success on Cerebras: no attempt was repeated or lost.
        Assert.Equal(2 * Instances, simulator.Stats.For("Groq").Calls);
        Assert.Equal(Instances, simulator.Stats.For("Cerebras").Calls);
    }

    private static string? Phase(JsonElement status) =>
        status.GetProperty("customStatus") is { ValueKind: JsonValueKind.Object } custom ? custom.GetProperty("phase").GetString() : null;

    private static async Task<List<JsonElement>> ListAsync(HttpClient client, string status, CancellationToken cancellationToken)
    {
        var all = new List<JsonElement>();
        string? continuation = null;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"runtime/webhooks/durabletask/instances?runtimeStatus={status}&top=1000", UriKind.Relative));
            if (continuation is not null)
            {
                request.Headers.Add("x-ms-continuation-token", continuation);
            }

            using var response = await client.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            all.AddRange((await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).EnumerateArray());
            continuation = response.Headers.TryGetValues("x-ms-continuation-token", out var values) ? values.FirstOrDefault() : null;
        }
        while (continuation is not null);
        return all;
    }
}
