using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using LlmFunctions.Cli.Batch;
using LlmFunctions.Failover;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;

namespace LlmFunctions.Bench;

/// <summary>
/// Replays the seed-003 incident against the simulator twice: a naive client that behaves as the seed's service did,
/// and the function app driven by the real <see cref="BatchRunner"/>; prints both and their ratios.
/// </summary>
internal static class Replay
{
    private const int NaiveConcurrency = 8;
    private const int NaiveMaxRetries = 10;
    private static readonly TimeSpan NaiveRetryDelay = TimeSpan.FromSeconds(10);

    // Seed 003 §6.3: a RateLimitError marks the model unavailable for an hour; only unwrapped errors can be one.
    private static readonly TimeSpan NaiveUnavailableFor = TimeSpan.FromHours(1);
    private static readonly int[] DeadStatuses = [401, 402, 403, 404];

    public static async Task<int> RunAsync(ReplayOptions options, string root, string appDll, CancellationToken cancellationToken)
    {
        Console.WriteLine(Inv($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        var scenarioPath = Path.Combine(root, "scenarios", "seed-003.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(scenarioPath, cancellationToken))!.AsObject();
        json["timeScale"] = options.TimeScale;
        var scenario = SimulatorScenario.Parse(json.ToJsonString());
        var dead = scenario.Providers.Where(p => p.Status is { } s && DeadStatuses.Contains(s)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var prompts = Prompts(options.Prompts);
        var sizes = prompts.Select(p => p.Length).Order().ToArray();
        Console.WriteLine(Inv($"scenario: {scenarioPath} at timeScale {options.TimeScale}; {scenario.Providers.Count} providers, dead ({string.Join("/", DeadStatuses)}): {string.Join(", ", dead)}"));
        Console.WriteLine(Inv($"prompts: {prompts.Count}, chars median {sizes[sizes.Length / 2]}, p95 {sizes[(int)Math.Ceiling(0.95 * sizes.Length) - 1]}, max {sizes[^1]}, {sizes.Count(s => s > 7000)} over 7,000"));

        await using var simulator = await SimulatorServer.StartAsync(scenario, cancellationToken: cancellationToken);
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(300) };

        Console.WriteLine(Inv($"naive: {NaiveConcurrency} workers, providers in the scenario's order, retries {options.Retries.ToString().ToLowerInvariant()} x{NaiveMaxRetries} after {NaiveRetryDelay.TotalSeconds * options.TimeScale:0.###} s, no cooldowns but a Cloudflare 429 sets it unavailable for 1 h ({NaiveUnavailableFor.TotalSeconds * options.TimeScale:0.###} s), no payload budget"));
        simulator.ResetStats();
        var naive = await NaiveAsync(client, simulator, prompts, options, cancellationToken);
        var naiveStats = simulator.Stats;
        Console.WriteLine(Inv($"  naive done: {naive.Succeeded}/{prompts.Count} in {naive.Wall.TotalSeconds:F1} s; Cloudflare set unavailable for 1 h {naive.UnavailableMarks} times"));

        var (azurite, account) = await Azurite.StartAsync(root, cancellationToken);
        using var azuriteProcess = azurite;
        var settings = GatewaySettings(scenario, simulator, account.ConnectionString, options.TimeScale);
        var (gatewayProcess, gatewayBase) = await Gateway.StartAsync(appDll, root, settings, client, cancellationToken);
        using var gateway = gatewayProcess;
        Console.WriteLine($"LlmFunctions: {gatewayBase} driven by BatchRunner (sync, allow_truncation, default AIMD and retries; AIMD pause scaled to {new AimdOptions().Pause.TotalSeconds * options.TimeScale:0.###} s); settings: " +
            string.Join(", ", settings.Where(s => s.Key.StartsWith(FailoverOptions.SectionName, StringComparison.Ordinal)).Select(s => $"{s.Key}={s.Value}")));
        simulator.ResetStats();
        var gw = await GatewayAsync(client, gatewayBase, prompts, options.TimeScale, cancellationToken);
        var gwStats = simulator.Stats;
        Console.WriteLine(Inv($"  LlmFunctions done: {gw.Succeeded}/{prompts.Count} in {gw.Wall.TotalSeconds:F1} s; {gw.Truncated} truncated; {gw.Requests} requests to the gateway, {gw.RetriedItems} items sent again after a 503/429; failures by class: {string.Join(", ", gw.FailureClasses.Select(f => $"{f.Key} {f.Value}"))}"));

        Console.WriteLine();
        Console.WriteLine(Table(scenario, dead, prompts.Count, naive, naiveStats, gw, gwStats));
        var deadAfterFirst = dead.Sum(d => Math.Max(0, gwStats.For(d).Calls - 1));
        Console.WriteLine();
        Console.WriteLine(Inv($"targets: naive success <= 40%: {(naive.Rate <= 0.40 ? "met" : "NOT met")} ({naive.Rate:P1}); LlmFunctions >= 99.5%: {(gw.Rate >= 0.995 ? "met" : "NOT met")} ({gw.Rate:P1}); LlmFunctions calls to a dead provider after its first: {deadAfterFirst} ({(deadAfterFirst == 0 ? "met" : "NOT met")})"));
        if (gateway.Lines > 0)
        {
            Console.WriteLine($"the function app wrote {gateway.Lines} lines; the last:\n{gateway.Tail()}");
        }

        return 0;
    }

    /// <summary>Sizes log-normal around the seed's median (3,397 chars) with ~4% above 7,000 (139 of 3,686), capped at its max 7,505.</summary>
    internal static List<string> Prompts(int count)
    {
        const string words = "Explain the trade-offs of this data structure, give the worst-case complexity of each operation and a short example. ";
        var random = new Random(3);
        var list = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var size = (int)Math.Clamp(Math.Exp(Math.Log(3400) + (0.41 * normal)), 300, 7505);
            var prefix = Inv($"Question {i + 1}: ");
            var sb = new StringBuilder(size + words.Length).Append(prefix);
            while (sb.Length < size)
            {
                sb.Append(words);
            }

            list.Add(sb.ToString(0, size));
        }

        return list;
    }

    private static Dictionary<string, string> GatewaySettings(SimulatorScenario scenario, SimulatorServer simulator, string storage, double scale)
    {
        var settings = Gateway.HostSettings("BenchReplay");
        settings["AzureWebJobsStorage"] = storage;
        settings[ProviderCatalog.SimulatorBaseUrlSetting] = simulator.BaseAddress.ToString();
        foreach (var builtIn in BuiltInProviders.All.Where(b => !scenario.Providers.Any(p => string.Equals(p.Name, b.Name, StringComparison.OrdinalIgnoreCase))))
        {
            settings[$"{ProviderCatalog.SectionName}:{builtIn.Name}:Enabled"] = "false";
        }

        // The same order as the naive client, so the comparison is about handling, not about who is tried first.
        for (var i = 0; i < scenario.Providers.Count; i++)
        {
            var p = scenario.Providers[i];
            settings[$"{ProviderCatalog.SectionName}:{p.Name}:Priority"] = Inv($"{i + 1}");
            if (p.MaxPromptChars is { } max)
            {
                settings[$"{ProviderCatalog.SectionName}:{p.Name}:MaxPromptChars"] = Inv($"{max}");
            }
        }

        // The gateway's timers run in real time; its backoff is scaled as the simulator's clock is.
        var defaults = new FailoverOptions();
        var baseDelay = TimeSpan.FromMilliseconds(Math.Max(1, defaults.BaseDelay.TotalMilliseconds * scale));
        var maxDelay = TimeSpan.FromMilliseconds(Math.Max(baseDelay.TotalMilliseconds, defaults.MaxDelay.TotalMilliseconds * scale));
        settings[$"{FailoverOptions.SectionName}:BaseDelay"] = baseDelay.ToString("c", CultureInfo.InvariantCulture);
        settings[$"{FailoverOptions.SectionName}:MaxDelay"] = maxDelay.ToString("c", CultureInfo.InvariantCulture);
        return settings;
    }

    private static async Task<ModeResult> NaiveAsync(
        HttpClient client, SimulatorServer simulator, List<string> prompts, ReplayOptions options, CancellationToken cancellationToken)
    {
        var delay = NaiveRetryDelay * options.TimeScale;
        var unavailableFor = NaiveUnavailableFor * options.TimeScale;
        var unavailableUntil = new long[simulator.Scenario.Providers.Count];
        var marks = 0;
        var latencies = new double[prompts.Count];
        var ok = new bool[prompts.Count];
        var next = -1;
        var wall = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, NaiveConcurrency).Select(_ => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < prompts.Count)
                {
                    var started = Stopwatch.GetTimestamp();
                    for (var p = 0; p < simulator.Scenario.Providers.Count; p++)
                    {
                        // Step 1 of the seed's loop: only models still "available" are in the chain.
                        if (Stopwatch.GetTimestamp() < Interlocked.Read(ref unavailableUntil[p]))
                        {
                            continue;
                        }

                        var provider = simulator.Scenario.Providers[p];
                        var success = false;
                        for (var attempt = 0; ; attempt++)
                        {
                            var status = await CallAsync(client, simulator, provider, prompts[i], cancellationToken);
                            if (status == 200)
                            {
                                success = true;
                                break;
                            }

                            // Cloudflare's adapter raises httpx errors unwrapped (seed 004 §2.2), so its 429 is classified
                            // as a RateLimitError: not retried, the model set unavailable for an hour.
                            if (provider.Api == SimulatorApi.Cloudflare && status == 429)
                            {
                                Interlocked.Exchange(ref unavailableUntil[p], Stopwatch.GetTimestamp() + (long)(unavailableFor.TotalSeconds * Stopwatch.Frequency));
                                Interlocked.Increment(ref marks);
                                break;
                            }

                            // The seed wraps every httpx error of an OpenAI-compatible provider in a generic ProviderError,
                            // which its classifier does not find retryable; Cloudflare's own adapter keeps ServerError.
                            var retryable = options.Retries == NaiveRetries.All
                                || (provider.Api == SimulatorApi.Cloudflare && status is null or >= 500);
                            if (!retryable || attempt >= NaiveMaxRetries)
                            {
                                break;
                            }

                            await Task.Delay(delay, cancellationToken);
                        }


                        if (success)
                        {
                            ok[i] = true;
                            break;
                        }
                    }

                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            },
            cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        wall.Stop();
        return new ModeResult(ok.Count(o => o), latencies, wall.Elapsed, 0, [])
        {
            UnavailableMarks = marks,
        };
    }

    private static async Task<int?> CallAsync(HttpClient client, SimulatorServer simulator, ProviderScenario provider, string prompt, CancellationToken cancellationToken)
    {
        var messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt });
        Uri url;
        JsonObject body;
        if (provider.Api == SimulatorApi.Cloudflare)
        {
            url = new Uri(simulator.CloudflareBaseUrl(provider.Name) + "/accounts/replay/ai/run/@cf/meta/llama-3.1-8b-instruct");
            body = new JsonObject { ["messages"] = messages };
        }
        else
        {
            url = new Uri(simulator.OpenAiBaseUrl(provider.Name) + "/chat/completions");
            body = new JsonObject { ["model"] = "replay-model", ["messages"] = messages };
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", "replay-key");
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<ModeResult> GatewayAsync(HttpClient client, Uri gatewayBase, List<string> prompts, double scale, CancellationToken cancellationToken)
    {
        var results = Path.Combine(Directory.CreateTempSubdirectory("bench-replay-").FullName, "results.jsonl");
        var runner = new BatchRunner(client, new BatchRunnerOptions
        {
            Gateway = gatewayBase,
            Mode = BatchMode.Sync,
            ResultsPath = results,
            RunId = "replay",
            AllowTruncation = true,

            // The runner's waits are real time too: scaled as the simulator's clock is, like the gateway's backoff.
            Aimd = new AimdOptions { Pause = new AimdOptions().Pause * scale },
        });
        var items = prompts.Select((p, i) => new BatchItem(i, i + 1, null, [new LlmFunctions.Cli.Batch.ChatMessage("user", p)])).ToList();
        var wall = Stopwatch.StartNew();
        var run = await runner.RunAsync(items, abort: cancellationToken);
        wall.Stop();
        var records = run.Records;
        var classes = records.Where(r => !r.IsSuccess)
            .GroupBy(r => r.ErrorClass ?? Inv($"http_{r.HttpStatus}"), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new ModeResult(records.Count(r => r.IsSuccess), records.Select(r => (double)r.DurationMs).ToArray(), wall.Elapsed, records.Count(r => r.Truncated), classes)
        {
            RetriedItems = records.Count(r => r.Tries > 1),
            Requests = records.Sum(r => r.Tries),
        };
    }

    private static string Table(SimulatorScenario scenario, HashSet<string> dead, int n, ModeResult naive, SimulatorStats naiveStats, ModeResult gw, SimulatorStats gwStats)
    {
        var rows = new List<string[]>
        {
            Row("prompts", n, n, "F0"),
            Row("succeeded", naive.Succeeded, gw.Succeeded, "F0"),
            Row("success rate %", naive.Rate * 100, gw.Rate * 100, "F1"),
            Row("p50 latency ms", naive.Percentile(50), gw.Percentile(50), "F0"),
            Row("p95 latency ms", naive.Percentile(95), gw.Percentile(95), "F0"),
            Row("wall time s", naive.Wall.TotalSeconds, gw.Wall.TotalSeconds, "F1"),
            Row("provider calls", scenario.Providers.Sum(p => naiveStats.For(p.Name).Calls), scenario.Providers.Sum(p => gwStats.For(p.Name).Calls), "F0"),
            Row("calls to dead providers", dead.Sum(d => naiveStats.For(d).Calls), dead.Sum(d => gwStats.For(d).Calls), "F0"),
            Row("time in calls to dead providers s", dead.Sum(d => naiveStats.For(d).BusyTime.TotalSeconds), dead.Sum(d => gwStats.For(d).BusyTime.TotalSeconds), "F2"),
        };
        foreach (var p in scenario.Providers)
        {
            var tag = dead.Contains(p.Name) ? Inv($" ({p.Status}, dead)") : "";
            rows.Add(Row($"  calls {p.Name}{tag}", naiveStats.For(p.Name).Calls, gwStats.For(p.Name).Calls, "F0"));
            rows.Add(Row($"    of them ok", naiveStats.For(p.Name).Count(SimulatorOutcomes.Ok), gwStats.For(p.Name).Count(SimulatorOutcomes.Ok), "F0"));
        }

        var header = new[] { "metric", "naive", "LlmFunctions", "LlmFunctions/naive" };
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        sb.AppendLine("| " + string.Join(" | ", widths.Select((w, i) => i == 0 ? new string('-', w) : new string('-', w - 1) + ":")) + " |");
        foreach (var r in rows)
        {
            sb.AppendLine("| " + string.Join(" | ", r.Select((v, i) => i == 0 ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))) + " |");
        }

        return sb.ToString().TrimEnd();
    }

    private static string[] Row(string name, double? naive, double? gw, string format)
    {
        string F(double? v) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "n/m";
        var ratio = naive is { } a && gw is { } b && a != 0 ? (b / a).ToString("0.####", CultureInfo.InvariantCulture) : "-";
        return [name, F(naive), F(gw), ratio];
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record ModeResult(int Succeeded, double[] LatenciesMs, TimeSpan Wall, int Truncated, Dictionary<string, int> FailureClasses)
    {
        /// <summary>Items the batch runner sent more than once (back-pressure answers waited out).</summary>
        public int RetriedItems { get; init; }

        /// <summary>Requests the batch runner sent to the gateway.</summary>
        public int Requests { get; init; }

        /// <summary>How many times the naive client set a model unavailable for an hour.</summary>
        public int UnavailableMarks { get; init; }

        public double Rate => LatenciesMs.Length == 0 ? 0 : (double)Succeeded / LatenciesMs.Length;

        public double Percentile(double p)
        {
            var sorted = LatenciesMs.Order().ToArray();
            var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
            return sorted.Length == 0 ? 0 : sorted[Math.Clamp(index, 0, sorted.Length - 1)];
        }
    }
}
