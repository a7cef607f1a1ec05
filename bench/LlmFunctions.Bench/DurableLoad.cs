using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace LlmFunctions.Bench;

/// <summary>One durable measurement: instances started through <c>POST /api/prompts</c> and polled to completion
/// through the list endpoint.</summary>
/// <remarks>Completions per second are counted from the instances' own timestamps (first created to last completed), so
/// the poll that observes them (once a second, after the starts) does not stretch the figure.</remarks>
internal sealed record DurableRun(int Instances, double StartsPerSecond, double CompletedPerSecond, double P50Ms, double P99Ms, int NotCompleted)
{
    /// <summary>The status documents of the instances that did not complete (up to 5), for diagnosis.</summary>
    public IReadOnlyList<string> NotCompletedStatuses { get; init; } = [];
}

/// <summary>Starts N durable instances at a fixed concurrency and measures how fast the function app completes them.</summary>
internal static class DurableLoad
{
    public static async Task<DurableRun> RunAsync(HttpClient client, Uri gateway, int instances, int concurrency, CancellationToken cancellationToken)
    {
        var batch = Guid.NewGuid().ToString("N")[..8];
        var body = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16}""");
        var next = -1;
        var clock = Stopwatch.StartNew();
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < instances)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/json");
                using var response = await client.PostAsync(new Uri(gateway, $"api/prompts/bench-{batch}-{i}"), content, cancellationToken);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"POST /api/prompts answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
        });
        await Task.WhenAll(workers);
        var started = clock.Elapsed;

        var deadline = TimeSpan.FromSeconds(Math.Max(60, instances / 10.0));
        (List<double> Latencies, DateTimeOffset First, DateTimeOffset Last, HashSet<string> Ids) done;
        while (true)
        {
            // Listing scans the instances table: once a second keeps the poll from loading the storage it measures.
            await Task.Delay(1000, cancellationToken);
            done = await CompletedAsync(client, gateway, batch, from, cancellationToken);
            if (done.Latencies.Count >= instances || clock.Elapsed > started + deadline)
            {
                break;
            }
        }

        var latencies = done.Latencies;
        var span = (done.Last - done.First).TotalSeconds;
        latencies.Sort();
        double P(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p / 100 * latencies.Count) - 1)];
        var missing = new List<string>();
        foreach (var id in Enumerable.Range(0, instances).Select(i => $"bench-{batch}-{i}").Where(id => !done.Ids.Contains(id)).Take(5))
        {
            using var status = await client.GetAsync(new Uri(gateway, $"runtime/webhooks/durabletask/instances/{id}?showHistory=true&showInput=false"), cancellationToken);
            var text = await status.Content.ReadAsStringAsync(cancellationToken);
            missing.Add($"{id}: HTTP {(int)status.StatusCode} {(text.Length > 3000 ? text[..3000] + "..." : text)}");
        }

        return new DurableRun(instances, instances / started.TotalSeconds, span > 0 ? latencies.Count / span : double.NaN, P(50), P(99), instances - latencies.Count)
        {
            NotCompletedStatuses = missing,
        };
    }

    private static async Task<(List<double> Latencies, DateTimeOffset First, DateTimeOffset Last, HashSet<string> Ids)> CompletedAsync(HttpClient client, Uri gateway, string batch, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var latencies = new List<double>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var first = DateTimeOffset.MaxValue;
        var last = DateTimeOffset.MinValue;
        string? continuation = null;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"runtime/webhooks/durabletask/instances?runtimeStatus=Completed&top=1000&showInput=false&createdTimeFrom={Uri.EscapeDataString(from.ToString("O"))}"));
            if (continuation is not null)
            {
                request.Headers.Add("x-ms-continuation-token", continuation);
            }

            using var response = await client.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            foreach (var instance in document.RootElement.EnumerateArray())
            {
                var id = instance.GetProperty("instanceId").GetString()!;
                if (id.StartsWith($"bench-{batch}-", StringComparison.Ordinal) && ids.Add(id))
                {
                    var created = instance.GetProperty("createdTime").GetDateTimeOffset();
                    var updated = instance.GetProperty("lastUpdatedTime").GetDateTimeOffset();
                    latencies.Add((updated - created).TotalMilliseconds);
                    first = created < first ? created : first;
                    last = updated > last ? updated : last;
                }
            }

            continuation = response.Headers.TryGetValues("x-ms-continuation-token", out var values) ? values.FirstOrDefault() : null;
        }
        while (continuation is not null);
        return (latencies, first, last, ids);
    }
}
