using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using DurableTask.AzureStorage;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core;

namespace LlmFunctions.Bench;

/// <summary>One durable measurement of one path (the prompt orchestration or the bare one).</summary>
/// <param name="Instances">Instances started.</param>
/// <param name="StartsPerSecond">Instances / time to get every 202.</param>
/// <param name="CompletedPerSecond">Completed instances / (last completed − first created), from the instances' own timestamps.</param>
/// <param name="P50Ms">Median of each instance's created-to-completed time.</param>
/// <param name="P99Ms">99th percentile of the same.</param>
/// <param name="NotCompleted">Instances not completed when the poll gave up (failed ones included).</param>
/// <param name="Storage">Requests the path's host sent to Azurite from the first start to the poll that saw the last completion, by operation.</param>
/// <param name="Window">That window's length.</param>
/// <param name="Cost">What the instances' histories hold.</param>
/// <param name="HostCpuMs">CPU time the path's host used in that window, per instance.</param>
/// <param name="AzuriteCpuMs">CPU time Azurite used in that window, per instance.</param>
internal sealed record DurableRun(int Instances, double StartsPerSecond, double CompletedPerSecond, double P50Ms, double P99Ms, int NotCompleted, Dictionary<string, long> Storage, TimeSpan Window, HistoryCost Cost, double HostCpuMs, double AzuriteCpuMs)
{
    /// <summary>The statuses of a few instances that did not complete, for diagnosis.</summary>
    public IReadOnlyList<string> NotCompletedStatuses { get; init; } = [];

    public double StoragePerInstance => (double)Storage.Values.Sum() / Instances;
}

/// <summary>Per-instance averages read from the history table after a run.</summary>
internal sealed record HistoryCost(double Episodes, double Activities, IReadOnlyDictionary<string, double> ActivitiesByName, double Timers, double InputChars, double OutputChars, double CustomStatusChars);

/// <summary>One task hub's instances and history, read straight from Azurite (not through the counting proxy).</summary>
internal sealed class TaskHubReader : IDisposable
{
    private readonly AzureStorageOrchestrationService _service;
    private readonly TableClient _history;

    public TaskHubReader(string connectionString, string hub)
    {
        _service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            TaskHubName = hub,
        });
        _history = new TableClient(connectionString, hub + "History");
    }

    public void Dispose() => _service.Dispose();

    /// <summary>Terminal instances created since <paramref name="from"/>.</summary>
    public async Task<List<OrchestrationState>> FinishedAsync(DateTime from, CancellationToken cancellationToken)
    {
        var condition = new OrchestrationInstanceStatusQueryCondition
        {
            CreatedTimeFrom = from,
            RuntimeStatus = [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated],
            FetchInput = false,
            FetchOutput = false,
        };
        var all = new List<OrchestrationState>();
        string? token = null;
        do
        {
            var page = await _service.GetOrchestrationStateAsync(condition, 1000, token!, cancellationToken);
            all.AddRange(page.OrchestrationState);
            token = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));
        return all;
    }

    /// <summary>Purges every terminal instance created since <paramref name="from"/>: Azurite's table queries scan the
    /// whole table, so a history table that kept growing would make each run slower than the one before.</summary>
    public async Task<int> PurgeAsync(DateTime from) =>
        (await _service.PurgeInstanceHistoryAsync(from, null, [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated])).InstancesDeleted;

    public async Task<OrchestrationState?> StateAsync(string instanceId) =>
        (await _service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: false)).FirstOrDefault();

    /// <summary>Averages over <paramref name="ids"/>: episodes, activities scheduled (by name), timers, sizes.</summary>
    public async Task<HistoryCost> CostAsync(IReadOnlyCollection<string> ids, IReadOnlyList<OrchestrationState> states, CancellationToken cancellationToken)
    {
        var set = ids.ToHashSet(StringComparer.Ordinal);
        long episodes = 0, timers = 0, input = 0, output = 0;
        var byName = new Dictionary<string, long>(StringComparer.Ordinal);
        var filter = "EventType eq 'OrchestratorStarted' or EventType eq 'TaskScheduled' or EventType eq 'TimerCreated' or EventType eq 'ExecutionStarted' or EventType eq 'ExecutionCompleted'";
        await foreach (var row in _history.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "EventType", "Name", "Input", "Result"], cancellationToken: cancellationToken))
        {
            if (!set.Contains(row.PartitionKey))
            {
                continue;
            }

            switch (row.GetString("EventType"))
            {
                case "OrchestratorStarted":
                    episodes++;
                    break;
                case "TaskScheduled":
                    var name = row.GetString("Name") ?? "?";
                    byName[name] = byName.GetValueOrDefault(name) + 1;
                    break;
                case "TimerCreated":
                    timers++;
                    break;
                case "ExecutionStarted":
                    input += row.GetString("Input")?.Length ?? 0;
                    break;
                case "ExecutionCompleted":
                    output += row.GetString("Result")?.Length ?? 0;
                    break;
            }
        }

        double n = Math.Max(1, ids.Count);
        var status = states.Where(s => set.Contains(s.OrchestrationInstance.InstanceId)).Sum(s => (long)(s.Status?.Length ?? 0));
        return new HistoryCost(
            episodes / n,
            byName.Values.Sum() / n,
            byName.ToDictionary(b => b.Key, b => b.Value / n, StringComparer.Ordinal),
            timers / n,
            input / n,
            output / n,
            status / n);
    }
}

/// <summary>Starts N instances over HTTP at a fixed concurrency and measures how fast the engine completes them.</summary>
internal static class DurableLoad
{
    // The poll gives up when no instance has finished for this long.
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);

    // start answers 202 with the instance's id in a JSON body; reader reads the path's task hub straight from Azurite;
    // storage holds the counting proxies of the path's host.
    public static async Task<DurableRun> RunAsync(HttpClient client, Uri start, byte[] body, TaskHubReader reader, StorageCounters storage, Child host, Child azurite, int instances, int concurrency, CancellationToken cancellationToken)
    {
        var (hostCpu, azuriteCpu) = (host.CpuTime, azurite.CpuTime);
        var ids = new string[instances];
        var next = -1;
        var from = DateTime.UtcNow.AddSeconds(-1);
        var before = storage.Snapshot();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < instances)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/json");
                using var response = await client.PostAsync(start, content, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"POST {start.AbsolutePath} answered {(int)response.StatusCode}: {text}");
                }

                using var json = JsonDocument.Parse(text);
                ids[i] = json.RootElement.GetProperty("id").GetString()!;
            }
        });
        await Task.WhenAll(workers);
        var started = clock.Elapsed;

        var idSet = ids.ToHashSet(StringComparer.Ordinal);
        List<OrchestrationState> done;
        var progress = clock.Elapsed;
        var seen = 0;
        while (true)
        {
            // The instances table is scanned: once a second keeps the poll from loading the storage it measures.
            await Task.Delay(1000, cancellationToken);
            done = [.. (await reader.FinishedAsync(from, cancellationToken)).Where(s => idSet.Contains(s.OrchestrationInstance.InstanceId))];
            if (done.Count > seen)
            {
                (seen, progress) = (done.Count, clock.Elapsed);
            }

            if (done.Count >= instances || clock.Elapsed - progress > StallLimit)
            {
                break;
            }
        }

        var window = clock.Elapsed;
        var after = storage.Snapshot();
        var hostCpuMs = (host.CpuTime - hostCpu).TotalMilliseconds / instances;
        var azuriteCpuMs = (azurite.CpuTime - azuriteCpu).TotalMilliseconds / instances;
        var delta = after.ToDictionary(a => a.Key, a => a.Value - before.GetValueOrDefault(a.Key), StringComparer.Ordinal);

        var completed = done.Where(s => s.OrchestrationStatus == OrchestrationStatus.Completed).ToList();
        var latencies = completed.Select(s => (Finished(s) - s.CreatedTime).TotalMilliseconds).Order().ToList();
        double P(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p / 100 * latencies.Count) - 1)];
        var span = completed.Count == 0 ? 0 : (completed.Max(Finished) - completed.Min(s => s.CreatedTime)).TotalSeconds;

        var missing = new List<string>();
        var completedIds = completed.Select(s => s.OrchestrationInstance.InstanceId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in ids.Where(id => !completedIds.Contains(id)).Take(5))
        {
            var state = await reader.StateAsync(id);
            missing.Add(state is null ? $"{id}: not found" : $"{id}: {state.OrchestrationStatus} {Truncate(state.Output)}");
        }

        var cost = await reader.CostAsync(ids, done, cancellationToken);
        await reader.PurgeAsync(from);
        return new DurableRun(instances, instances / started.TotalSeconds, span > 0 ? completed.Count / span : double.NaN, P(50), P(99), instances - completed.Count, delta, window, cost, hostCpuMs, azuriteCpuMs)
        {
            NotCompletedStatuses = missing,
        };
    }

    private static DateTime Finished(OrchestrationState s) => s.CompletedTime > s.CreatedTime ? s.CompletedTime : s.LastUpdatedTime;

    private static string Truncate(string? s) => s is null ? "" : s.Length > 500 ? s[..500] + "..." : s;
}
