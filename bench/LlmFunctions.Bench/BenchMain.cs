using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;

namespace LlmFunctions.Bench;

/// <summary>Measures the simulator called directly and through the gateway, side by side, on 127.0.0.1.</summary>
internal static class BenchMain
{
    private const string Provider = "Groq";
    internal const string PromptHub = "BenchPrompts";

    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help" or "-h"])
        {
            Console.WriteLine(BenchOptions.Usage + "\n\n" + ReplayOptions.Usage + "\n\nusage: LlmFunctions.Bench " + FlapFleet.Usage + "\nusage: LlmFunctions.Bench " + SpreadFleet.Usage);
            return 0;
        }

        if (args is [BareHost.Argument])
        {
            return await BareHost.RunAsync();
        }

        if (args is [FlapFleet.Argument, .. var flapArgs])
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(30));
            return await FlapFleet.RunAsync(flapArgs, RepoRoot(), limit.Token);
        }

        if (args is [SpreadFleet.Argument, .. var spreadArgs])
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(30));
            return await SpreadFleet.RunAsync(spreadArgs, RepoRoot(), limit.Token);
        }

        if (args is ["--replay", .. var replayArgs])
        {
            return await ReplayMainAsync(replayArgs);
        }

        var options = BenchOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"error: {error}\n{BenchOptions.Usage}");
            return 2;
        }

        return await RunBuiltAppAsync(options.AppDll, options.TimeLimit, "lower --requests or --repeats, or raise --time-limit", (root, appDll, ct) => RunAsync(options, root, appDll, ct));
    }

    private static async Task<int> ReplayMainAsync(string[] args)
    {
        if (args is ["--help" or "-h"])
        {
            Console.WriteLine(ReplayOptions.Usage);
            return 0;
        }

        var options = ReplayOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"error: {error}\n{ReplayOptions.Usage}");
            return 2;
        }

        return await RunBuiltAppAsync(options.AppDll, options.TimeLimit, "lower --prompts or --time-scale, or raise --time-limit", (root, appDll, ct) => Replay.RunAsync(options, root, appDll, ct));
    }

    // Both modes need the Release build of the function app and a hard time limit for the whole run.
    private static async Task<int> RunBuiltAppAsync(string? appDllOverride, TimeSpan timeLimit, string limitHint, Func<string, string, CancellationToken, Task<int>> run)
    {
        var root = RepoRoot();
        var appDll = appDllOverride ?? Path.Combine(root, "src", "LlmFunctions.StandaloneHost", "bin", "Release", "net10.0", "LlmFunctions.StandaloneHost.dll");
        if (!File.Exists(appDll))
        {
            await Console.Error.WriteLineAsync($"error: the standalone host is not built: {appDll} is missing; run bench/run.sh (it builds Release) or pass --app");
            return 2;
        }

        using var limit = new CancellationTokenSource(timeLimit);
        try
        {
            return await run(root, appDll, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"error: the time limit of {timeLimit.TotalSeconds} s was reached; {limitHint}");
            return 3;
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(BenchOptions options, string root, string appDll, CancellationToken cancellationToken)
    {
        Console.WriteLine(Inv($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average {LoadAverage()}"));
        var scenario = SimulatorScenario.Parse(Inv(
            $$"""{ "seed": 1, "providers": [ { "name": "{{Provider}}", "api": "openai", "latencyMs": { "fixed": {{options.LatencyMs}} } } ] }"""));
        await using var simulator = await SimulatorServer.StartAsync(scenario, cancellationToken: cancellationToken);
        var (azurite, account) = await Azurite.StartAsync(root, cancellationToken);
        using var azuriteProcess = azurite;
        await using var gatewayStorage = StorageCounters.Start(account);

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };

        var settings = Gateway.HostSettings(PromptHub);
        settings["AzureWebJobsStorage"] = gatewayStorage.ConnectionString;
        settings[ProviderCatalog.SimulatorBaseUrlSetting] = simulator.BaseAddress.ToString();
        foreach (var builtIn in BuiltInProviders.All.Where(b => !string.Equals(b.Name, Provider, StringComparison.OrdinalIgnoreCase)))
        {
            settings[$"{ProviderCatalog.SectionName}:{builtIn.Name}:Enabled"] = "false";
        }

        var (gatewayProcess, gatewayBase) = await Gateway.StartAsync(appDll, root, settings, client, cancellationToken);
        using var gateway = gatewayProcess;

        var directUrl = new Uri(simulator.OpenAiBaseUrl(Provider) + "/chat/completions");
        var gatewayUrl = new Uri(gatewayBase, "v1/chat/completions");
        var directBody = Encoding.UTF8.GetBytes("""{"model":"bench-model","messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16}""");
        var gatewayBody = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16}""");
        Console.WriteLine($"direct:  POST {directUrl}  (simulator in this process, fixed latency {options.LatencyMs} ms)");
        Console.WriteLine($"gateway: POST {gatewayUrl}  (dotnet {Path.GetFileName(appDll)}, provider {Provider} only, storage Azurite through a counting proxy)");

        var linesBefore = gateway.Lines;
        var rows = new List<Row>();
        if (options.Sync)
        {
            rows = await SyncAsync(options, client, directUrl, directBody, gatewayUrl, gatewayBody, cancellationToken);
        }

        if (options.StreamRequests > 0)
        {
            var directStream = Encoding.UTF8.GetBytes("""{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16}""");
            var gatewayStream = Encoding.UTF8.GetBytes("""{"stream":true,"messages":[{"role":"user","content":"Say hello in one word."}],"max_tokens":16}""");
            await StreamComparison.RunAsync(options, client, (directUrl, directStream), (gatewayUrl, gatewayStream), cancellationToken);
        }

        if (options.DurableInstances > 0)
        {
            await DurableComparison.RunAsync(options, root, account, gatewayStorage, gatewayBase, gateway, azuriteProcess, client, cancellationToken);
        }

        Console.WriteLine(Inv($"load average at the end: {LoadAverage()} ({DateTime.UtcNow:HH:mm} UTC)"));
        var appLines = gateway.Lines - linesBefore;
        Console.WriteLine(Inv($"the function app wrote {appLines} log lines while measuring"));
        foreach (var r in rows.Where(r => r.Failures > 0))
        {
            Console.WriteLine(Inv($"non-200 responses at concurrency {r.Concurrency}: {r.Failures} over {options.Repeats} runs (gateway and direct together)"));
        }

        if (appLines > 0)
        {
            Console.WriteLine($"last lines from the function app:\n{gateway.Tail()}");
        }
        return 0;
    }

    private static async Task<List<Row>> SyncAsync(BenchOptions options, HttpClient client, Uri directUrl, byte[] directBody, Uri gatewayUrl, byte[] gatewayBody, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        // The simulator accepts any bearer key; the gateway sends its own ("simulator-key") to it.
        var targets = new[] { ("direct", directUrl, directBody, (string?)"bench-key"), ("gateway", gatewayUrl, gatewayBody, (string?)null) };
        if (options.Warmup > 0)
        {
            foreach (var (name, url, body, bearer) in targets)
            {
                var warm = await Load.RunAsync(client, url, body, bearer, options.Warmup, Math.Min(options.Concurrency.Max(), options.Warmup), cancellationToken);
                Console.WriteLine(Inv($"warm-up {name}: {options.Warmup} requests, {warm.Throughput:F0} req/s, {warm.Failures} non-200{(warm.Failures > 0 ? $" (first: {warm.FirstFailure})" : "")}"));
            }
        }

        var total = Stopwatch.StartNew();
        for (var level = 0; level < options.Concurrency.Count; level++)
        {
            var c = options.Concurrency[level];
            var n = options.Requests[level];
            var results = targets.ToDictionary(t => t.Item1, _ => new List<Measurement>(), StringComparer.Ordinal);
            for (var repeat = 0; repeat < options.Repeats; repeat++)
            {
                // Alternate the order so that neither target always runs on a warmer (or more tired) machine.
                var order = repeat % 2 == 0 ? targets : targets.Reverse().ToArray();
                foreach (var (name, url, body, bearer) in order)
                {
                    var m = await Load.RunAsync(client, url, body, bearer, n, c, cancellationToken);
                    if (m.Failures > 0)
                    {
                        // Reported, not hidden: the failed requests stay in the latencies and the failure count is printed.
                        Console.WriteLine(Inv($"  !! {name}: {m.Failures} of {n} requests did not return 200; first: {m.FirstFailure}"));
                    }

                    results[name].Add(m);
                    Console.WriteLine(Inv($"  c={c,-3} run {repeat + 1}/{options.Repeats} {name,-7}: p50 {m.Percentile(50),7:F2} ms  p99 {m.Percentile(99),7:F2} ms  {m.Throughput,7:F0} req/s"));
                }
            }

            rows.Add(new Row(c, n, Summary.Of(results["direct"]), Summary.Of(results["gateway"]), results.Values.Sum(l => l.Sum(m => m.Failures))));
        }

        Console.WriteLine();
        Console.WriteLine(Inv($"medians of {options.Repeats} runs; latencies in ms; measured in {total.Elapsed.TotalSeconds:F0} s"));
        Console.WriteLine(Table(rows));
        return rows;
    }

    private static string Table(List<Row> rows)
    {
        var header = new[] { "conc", "requests", "direct p50", "gateway p50", "overhead p50", "direct p99", "gateway p99", "overhead p99", "direct req/s", "gateway req/s", "gw/direct" };
        var lines = rows.Select(r => new[]
        {
            Inv($"{r.Concurrency}"), Inv($"{r.Requests}"),
            Inv($"{r.Direct.P50:F2}"), Inv($"{r.Gateway.P50:F2}"), Inv($"{r.Gateway.P50 - r.Direct.P50:+0.00;-0.00}"),
            Inv($"{r.Direct.P99:F2}"), Inv($"{r.Gateway.P99:F2}"), Inv($"{r.Gateway.P99 - r.Direct.P99:+0.00;-0.00}"),
            Inv($"{r.Direct.Throughput:F0}"), Inv($"{r.Gateway.Throughput:F0}"), Inv($"{r.Gateway.Throughput / r.Direct.Throughput:F3}"),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, lines.Count == 0 ? 0 : lines.Max(l => l[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(string.Join("  ", header.Select((h, i) => h.PadLeft(widths[i]))));
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var l in lines)
        {
            sb.AppendLine(string.Join("  ", l.Select((v, i) => v.PadLeft(widths[i]))));
        }

        return sb.ToString().TrimEnd();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LlmFunctions.sln was not found above {AppContext.BaseDirectory}");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // Other work on the machine shows here (1, 5 and 15 minutes); the numbers are only comparable on a quiet machine.
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Row(int Concurrency, int Requests, Summary Direct, Summary Gateway, int Failures);

    private sealed record Summary(double P50, double P99, double Throughput)
    {
        public static Summary Of(List<Measurement> runs) => new(
            Median(runs.Select(r => r.Percentile(50))),
            Median(runs.Select(r => r.Percentile(99))),
            Median(runs.Select(r => r.Throughput)));

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }
}
