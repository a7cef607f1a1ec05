using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Orchestration;
using LlmFunctions.Tests.Simulator;
using Xunit.Abstractions;

namespace LlmFunctions.Tests.Reliability;

/// <summary>
/// Storage (all three services) unreachable for a minute of real time, through a TCP proxy that refuses connections:
/// the app stays up, says what is wrong at once, keeps serving synchronous chat from its cached health, turns durable
/// starts away with 503 and Retry-After, and recovers by itself; instances parked on durable timers finish exactly once.
/// </summary>
[Collection(LongFaultCollectionDefinition.Name)]
public sealed class StorageOutageTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Parked = 4;

    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    // "At once": a probe or a chat call must not wait out the Storage SDK's default retries (seconds when connections
    // are refused, minutes when they hang).
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    // A durable start goes through the durable engine's own Storage clients and their retries (DTFx's, as in Azure).
    private static readonly TimeSpan DurableStartBound = TimeSpan.FromSeconds(15);

    // Between checks during the outage; the outage's length is the fault injected, not a wait for an outcome.
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StorageUnreachableForAMinute_AppDegradesAtOnceAndRecoversByItself_ParkedInstancesCompleteExactlyOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var simulator = await SimulatorTestHost.StartAsync(ChatApp.Scenario(("SambaNova", "\"status\": 429"), ("Cerebras", string.Empty), ("Groq", "\"status\": 503")));
        await using var proxy = TcpFaultProxy.ForStorage(azurite.ConnectionString);
        var settings = TestHostSettings.For(proxy.ConnectionString, simulator, "outage-host", TimeSpan.FromMilliseconds(500));
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["LlmFunctions:Health:FailureThreshold"] = "1000",
            ["LlmFunctions:Failover:MaxAttemptsPerProvider"] = "2",
            // The parked instances' backoff timers come due in the middle of the outage (jitter is ±20 %).
            ["LlmFunctions:Failover:BaseDelay"] = "00:00:20",
            ["LlmFunctions:Failover:MaxDelay"] = "00:00:20",
            ["LlmFunctions:Failover:TotalDeadline"] = "00:04:00",
            // An unhinted call looks at SambaNova first (never called, so no cached health: its read and its probe lease
            // need the table), then Cerebras; Groq only when asked for.
            ["LlmFunctions:Providers:SambaNova:Priority"] = "1",
            ["LlmFunctions:Providers:Cerebras:Priority"] = "2",
            ["LlmFunctions:Providers:Groq:Priority"] = "3",
        })
        {
            settings[key] = value;
        }

        await using var app = await FunctionAppProcess.StartAsync(settings, ct);
        var client = app.Client;
        var problems = new List<string>();
        try
        {
            // Before: a synchronous call warms the health cache; instances park on Groq's backoff timer.
            using (var warm = await ChatAsync(client, "Cerebras", ct))
            {
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            }

            var ids = Enumerable.Range(0, Parked).Select(i => string.Create(CultureInfo.InvariantCulture, $"parked-{i}")).ToList();
            foreach (var id in ids)
            {
                using var started = await StartAsync(client, id, hint: "Groq", ct);
                Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            }

            await Eventually.WaitAsync(
                async () => (await Task.WhenAll(ids.Select(id => StatusAsync(client, id, ct)))).All(s => Phase(s) == "waiting"),
                TimeSpan.FromSeconds(60),
                () => $"every instance waiting on its timer; host log:\n{app.Tail()}");

            // During: nothing from Storage for a minute.
            var outage = Stopwatch.StartNew();
            var checks = await proxy.BlockForAsync(Outage, CheckEvery, round => CheckDegradedAsync(client, round, problems, ct), ct);
            output.WriteLine($"outage: {outage.Elapsed.TotalSeconds:0.0} s, {checks} rounds of checks");

            output.WriteLine(problems.Count == 0 ? "every degraded answer held" : "during the outage:\n" + string.Join('\n', problems));

            // After: healthy again, new work runs, and the parked instances finish exactly once.
            await proxy.UnblockAsync();
            var recovery = Stopwatch.StartNew();
            await Eventually.WaitAsync(
                async () => (await HealthAsync(client, ct)).Status == HttpStatusCode.OK,
                TimeSpan.FromSeconds(30),
                () => $"health 200 after the outage; host log:\n{app.Tail()}");
            output.WriteLine($"health 200 again {recovery.Elapsed.TotalSeconds:0.0} s after storage returned");

            using (var fresh = await StartAsync(client, "after-outage", hint: "Cerebras", ct))
            {
                Assert.Equal(HttpStatusCode.Accepted, fresh.StatusCode);
            }

            await Eventually.WaitAsync(
                async () => RuntimeStatus(await StatusAsync(client, "after-outage", ct)) == "Completed",
                TimeSpan.FromSeconds(60),
                () => $"the instance started after the outage completed; host log:\n{app.Tail()}");
            output.WriteLine($"a new instance completed {recovery.Elapsed.TotalSeconds:0.0} s after storage returned");

            var statuses = new JsonElement[Parked];
            await Eventually.WaitAsync(
                async () =>
                {
                    statuses = await Task.WhenAll(ids.Select(id => StatusAsync(client, id, ct)));
                    return statuses.All(s => RuntimeStatus(s) == "Completed");
                },
                TimeSpan.FromSeconds(90),
                () => $"every parked instance completed; seen {string.Join(", ", statuses.Select(s => RuntimeStatus(s) + "/" + Phase(s)))}; host log:\n{app.Tail()}");
            output.WriteLine($"parked instances completed {recovery.Elapsed.TotalSeconds:0.0} s after storage returned");

            foreach (var id in ids)
            {
                var json = await StatusAsync(client, id, ct, showHistory: true);
                var events = json.GetProperty("historyEvents").EnumerateArray().Select(e => e.GetProperty("EventType").GetString()).ToList();
                Assert.Equal(1, events.Count(e => e == "ExecutionCompleted"));
                Assert.Equal("Cerebras", json.GetProperty("output").GetProperty("metadata").GetProperty("provider").GetString());
            }

            // Each parked instance: Groq before its timer, Groq once more after it, then Cerebras. Nothing repeated or lost.
            Assert.Equal(2 * Parked, simulator.Stats.For("Groq").Calls);
            Assert.True(problems.Count == 0, "during the outage:\n" + string.Join('\n', problems));
        }
        finally
        {
            output.WriteLine(app.Tail());
        }
    }

    // Every degraded answer is checked and timed; what does not hold is collected, so one run shows all of it and the
    // recovery is still observed.
    private async Task CheckDegradedAsync(HttpClient client, int round, List<string> problems, CancellationToken ct)
    {
        void Expect(bool holds, string what)
        {
            if (!holds)
            {
                problems.Add($"round {round}: {what}");
            }
        }

        var clock = Stopwatch.StartNew();
        var (status, body) = await HealthAsync(client, ct);
        var took = clock.Elapsed;
        output.WriteLine($"round {round}: health {(int)status} in {took.TotalMilliseconds:0} ms: {body}");
        Expect(status == HttpStatusCode.ServiceUnavailable && body.Contains("storage", StringComparison.OrdinalIgnoreCase), $"health answered {(int)status} {body}, not a 503 naming storage");
        Expect(took < Prompt, $"health answered in {took}, not within {Prompt}");

        // A call served by a healthy provider from the cached health, and one that first meets a provider with no cached
        // health (its read and its probe lease need the table): both are answered, at once.
        foreach (var hint in new[] { "Cerebras", null })
        {
            clock.Restart();
            using var chat = await ChatAsync(client, hint, ct);
            took = clock.Elapsed;
            var what = hint is null ? "chat (SambaNova unknown, then Cerebras)" : "chat (Cerebras)";
            output.WriteLine($"round {round}: {what} {(int)chat.StatusCode} in {took.TotalMilliseconds:0} ms");
            Expect(chat.StatusCode == HttpStatusCode.OK, $"{what} answered {(int)chat.StatusCode} {await chat.Content.ReadAsStringAsync(ct)}, not 200");
            Expect(took < Prompt, $"{what} answered in {took}, not within {Prompt}");
        }

        clock.Restart();
        using var start = await StartAsync(client, id: null, hint: "Cerebras", ct);
        took = clock.Elapsed;
        body = await start.Content.ReadAsStringAsync(ct);
        output.WriteLine($"round {round}: durable start {(int)start.StatusCode} in {took.TotalMilliseconds:0} ms, Retry-After {start.Headers.RetryAfter}: {body}");
        Expect(
            start.StatusCode == HttpStatusCode.ServiceUnavailable && start.Headers.RetryAfter?.Delta is not null && body.Contains("storage_unavailable", StringComparison.Ordinal),
            $"the durable start answered {(int)start.StatusCode} (Retry-After {start.Headers.RetryAfter}) {body}, not a 503 storage_unavailable with Retry-After");
        Expect(took < DurableStartBound, $"the durable start answered in {took}, not within {DurableStartBound}");
    }

    private static Task<HttpResponseMessage> ChatAsync(HttpClient client, string? hint, CancellationToken ct) =>
        client.PostAsJsonAsync(new Uri("v1/chat/completions", UriKind.Relative), new { model = hint, messages = new[] { new { role = "user", content = "Still there?" } } }, ct);

    private static Task<HttpResponseMessage> StartAsync(HttpClient client, string? id, string? hint, CancellationToken ct) =>
        client.PostAsJsonAsync(new Uri(id is null ? "api/prompts" : $"api/prompts/{id}", UriKind.Relative), new { model = hint, messages = new[] { new { role = "user", content = "Outlast " + id } } }, ct);

    private static async Task<(HttpStatusCode Status, string Body)> HealthAsync(HttpClient client, CancellationToken ct)
    {
        using var response = await client.GetAsync(new Uri("api/health", UriKind.Relative), ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client, string id, CancellationToken ct, bool showHistory = false)
    {
        using var response = await client.GetAsync(new Uri($"runtime/webhooks/durabletask/instances/{id}{(showHistory ? "?showHistory=true" : string.Empty)}", UriKind.Relative), ct);
        return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted
            ? await response.Content.ReadFromJsonAsync<JsonElement>(ct)
            : default;
    }

    private static string? RuntimeStatus(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object ? status.GetProperty("runtimeStatus").GetString() : null;

    private static string? Phase(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object && status.GetProperty("customStatus") is { ValueKind: JsonValueKind.Object } custom ? custom.GetProperty("phase").GetString() : null;
}
