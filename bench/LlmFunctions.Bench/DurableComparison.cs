using System.Globalization;
using System.Text;

namespace LlmFunctions.Bench;

/// <summary>
/// The durable path (<c>POST /api/prompts</c> on the standalone host) and the bare one-activity DTFx orchestration
/// (<see cref="BareHost"/>), side by side on the same Azurite: each host in its own process, each behind its own
/// counting proxies, each with its own task hub; the same count at the same concurrency, the order flipped every repeat.
/// </summary>
internal static class DurableComparison
{
    private const string BareHub = "BenchBare";
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(BenchOptions options, string root, AzuriteAccount account, StorageCounters gatewayStorage, Uri gatewayBase, Child gateway, Child azurite, HttpClient client, CancellationToken cancellationToken)
    {
        await using var bareStorage = StorageCounters.Start(account);
        var bareSettings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = bareStorage.ConnectionString,
            [BareHost.HubVariable] = BareHub,
        };
        var (bareProcess, bareBase) = await Gateway.StartAsync(typeof(BareHost).Assembly.Location, [BareHost.Argument], "health", root, bareSettings, client, cancellationToken);
        using var bare = bareProcess;

        var promptBody = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16}""");
        var paths = new[]
        {
            new DurablePath("durable", new Uri(gatewayBase, "api/prompts"), promptBody, new TaskHubReader(account.ConnectionString, BenchMain.PromptHub), gatewayStorage, gateway),
            new DurablePath("bare", new Uri(bareBase, "start"), "{}"u8.ToArray(), new TaskHubReader(account.ConnectionString, BareHub), bareStorage, bare),
        };

        var n = options.DurableInstances;
        var c = options.DurableConcurrency;
        var warmup = Math.Min(n, 200);
        foreach (var path in paths)
        {
            var warm = await DurableLoad.RunAsync(client, path.Start, path.Body, path.Reader, path.Storage, path.Host, azurite, warmup, c, cancellationToken);
            Console.WriteLine(Inv($"warm-up {path.Name}: {warmup} instances, {warm.CompletedPerSecond:F0}/s, {warm.NotCompleted} not completed"));
        }

        // What each host asks of storage with nothing to do: polls of empty queues, lease renewals, the health flush.
        foreach (var path in paths)
        {
            var before = path.Storage.Snapshot();
            await Task.Delay(IdleWindow, cancellationToken);
            var idle = path.Storage.Snapshot().Sum(a => a.Value - before.GetValueOrDefault(a.Key));
            path.IdlePerSecond = idle / IdleWindow.TotalSeconds;
        }

        for (var repeat = 0; repeat < options.Repeats; repeat++)
        {
            foreach (var path in repeat % 2 == 0 ? paths : paths.Reverse())
            {
                var run = await DurableLoad.RunAsync(client, path.Start, path.Body, path.Reader, path.Storage, path.Host, azurite, n, c, cancellationToken);
                path.Runs.Add(run);
                Console.WriteLine(Inv($"  durable run {repeat + 1}/{options.Repeats} {path.Name,-7}: {run.Instances} instances, started {run.StartsPerSecond:F0}/s, completed {run.CompletedPerSecond:F0}/s, start-to-completion p50 {run.P50Ms:F0} ms p99 {run.P99Ms:F0} ms, {run.StoragePerInstance:F1} storage requests/instance, CPU ms/instance host {run.HostCpuMs:F1} Azurite {run.AzuriteCpuMs:F1}, {run.NotCompleted} not completed"));
                foreach (var status in run.NotCompletedStatuses)
                {
                    Console.WriteLine($"    not completed: {status}");
                }
            }
        }

        foreach (var path in paths)
        {
            path.Reader.Dispose();
        }

        Console.WriteLine();
        Console.WriteLine(Inv($"durable paths, {n} instances per run at concurrency {c}, medians of {options.Repeats} runs (storage: all runs' requests / all runs' instances):"));
        Console.WriteLine(Table(paths));
        Console.WriteLine();
        Console.WriteLine("storage requests per instance, by operation (counted by the proxies in front of Azurite; all runs):");
        Console.WriteLine(Operations(paths));
        if (bare.Lines > 0)
        {
            Console.WriteLine($"the bare host wrote {bare.Lines} lines; the last:\n{bare.Tail()}");
        }
    }

    private static string Table(DurablePath[] paths)
    {
        var (d, b) = (paths[0], paths[1]);
        var rows = new List<string[]>
        {
            Row("instances/s (first created to last completed)", d.Median(r => r.CompletedPerSecond), b.Median(r => r.CompletedPerSecond), "F0"),
            Row("starts/s (202s)", d.Median(r => r.StartsPerSecond), b.Median(r => r.StartsPerSecond), "F0"),
            Row("start-to-completion p50 ms", d.Median(r => r.P50Ms), b.Median(r => r.P50Ms), "F0"),
            Row("start-to-completion p99 ms", d.Median(r => r.P99Ms), b.Median(r => r.P99Ms), "F0"),
            Row("not completed (all runs)", d.Runs.Sum(r => r.NotCompleted), b.Runs.Sum(r => r.NotCompleted), "F0"),
            Row("storage requests / instance", d.StoragePerInstance, b.StoragePerInstance, "F1"),
            Row("storage requests / s while idle", d.IdlePerSecond, b.IdlePerSecond, "F1"),
            Row("host CPU ms / instance", d.Median(r => r.HostCpuMs), b.Median(r => r.HostCpuMs), "F2"),
            Row("Azurite CPU ms / instance", d.Median(r => r.AzuriteCpuMs), b.Median(r => r.AzuriteCpuMs), "F2"),
            Row("episodes / instance", d.Cost(c => c.Episodes), b.Cost(c => c.Episodes), "F2"),
            Row("activities / instance", d.Cost(c => c.Activities), b.Cost(c => c.Activities), "F2"),
        };
        foreach (var name in paths.SelectMany(p => p.Runs.SelectMany(r => r.Cost.ActivitiesByName.Keys)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            rows.Add(Row($"  {name}", d.Cost(c => c.ActivitiesByName.GetValueOrDefault(name)), b.Cost(c => c.ActivitiesByName.GetValueOrDefault(name)), "F2"));
        }

        rows.Add(Row("timers / instance", d.Cost(c => c.Timers), b.Cost(c => c.Timers), "F2"));
        rows.Add(Row("input chars", d.Cost(c => c.InputChars), b.Cost(c => c.InputChars), "F0"));
        rows.Add(Row("output chars", d.Cost(c => c.OutputChars), b.Cost(c => c.OutputChars), "F0"));
        rows.Add(Row("custom status chars", d.Cost(c => c.CustomStatusChars), b.Cost(c => c.CustomStatusChars), "F0"));
        return Markdown(["metric", "durable", "bare", "durable/bare"], rows);
    }

    private static string Operations(DurablePath[] paths)
    {
        var names = paths.SelectMany(p => p.Operations().Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var rows = names.Select(name => Row(name, paths[0].Operations().GetValueOrDefault(name), paths[1].Operations().GetValueOrDefault(name), "F2")).ToList();
        rows.Add(Row("all", paths[0].StoragePerInstance, paths[1].StoragePerInstance, "F2"));
        return Markdown(["operation", "durable", "bare", "durable/bare"], rows);
    }

    private static string[] Row(string name, double durable, double bare, string format) =>
    [
        name,
        durable.ToString(format, CultureInfo.InvariantCulture),
        bare.ToString(format, CultureInfo.InvariantCulture),
        bare != 0 && !double.IsNaN(bare) ? (durable / bare).ToString("0.00", CultureInfo.InvariantCulture) : "-",
    ];

    private static string Markdown(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        sb.AppendLine("| " + string.Join(" | ", widths.Select((w, i) => i == 0 ? new string('-', w) : new string('-', w - 1) + ":")) + " |");
        foreach (var r in rows)
        {
            sb.AppendLine("| " + string.Join(" | ", r.Select((v, i) => i == 0 ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))) + " |");
        }

        return sb.ToString().TrimEnd();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed class DurablePath(string name, Uri start, byte[] body, TaskHubReader reader, StorageCounters storage, Child host)
    {
        public Child Host => host;

        public string Name => name;

        public Uri Start => start;

        public byte[] Body => body;

        public TaskHubReader Reader => reader;

        public StorageCounters Storage => storage;

        public List<DurableRun> Runs { get; } = [];

        public double IdlePerSecond { get; set; }

        public double StoragePerInstance => (double)Runs.Sum(r => r.Storage.Values.Sum()) / Math.Max(1, Runs.Sum(r => r.Instances));

        public double Median(Func<DurableRun, double> value)
        {
            var sorted = Runs.Select(value).Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        public double Cost(Func<HistoryCost, double> value) => Median(r => value(r.Cost));

        public Dictionary<string, double> Operations()
        {
            double instances = Math.Max(1, Runs.Sum(r => r.Instances));
            return Runs.SelectMany(r => r.Storage)
                .GroupBy(kv => kv.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value) / instances, StringComparer.Ordinal);
        }
    }
}
