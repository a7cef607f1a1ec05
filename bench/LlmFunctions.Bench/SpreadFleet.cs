using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using static LlmFunctions.Bench.ScaledFleet;

namespace LlmFunctions.Bench;

/// <summary>
/// A seed-003-like fleet of free tiers with per-minute windows (Groq 30, SambaNova 20, GitHub Models 15, Cloudflare
/// 40 without rate-limit headers) served by the gateway core in process, with each spreading strategy under the same
/// open-loop load, side by side in one run: provider 429s, success rate and wall time.
/// </summary>
internal static class SpreadFleet
{
    public const string Argument = "--spread";

    public const string Usage = "--spread [--seconds N (per strategy, real time; default 24)] [--time-scale X (default 0.1)] [--rate N (requests per scenario minute; default 90)] [--strategies priority,quota-aware]";

    private static readonly string[] Order = ["Groq", "SambaNova", "GitHubModels", "Cloudflare"];

    private static readonly Dictionary<string, string> Roles = new(StringComparer.Ordinal)
    {
        ["Groq"] = "30 a minute, sends x-ratelimit-*",
        ["SambaNova"] = "20 a minute, sends x-ratelimit-*",
        ["GitHubModels"] = "15 a minute, sends x-ratelimit-*",
        ["Cloudflare"] = "40 a minute, no x-ratelimit-*",
    };

    // Windows and latencies are scaled by the time scale, so a 60 s window lasts 6 s at 0.1.
    private static string Scenario(double timeScale) => $$"""
        {
          "description": "per-minute free tiers (seed 003)",
          "seed": 3,
          "timeScale": {{timeScale.ToString(CultureInfo.InvariantCulture)}},
          "providers": [
            { "name": "Groq", "api": "openai", "latencyMs": { "median": 300, "p95": 900 }, "errorLatencyMs": { "median": 150, "p95": 400 },
              "rateLimit": { "requestsPerWindow": 30, "windowSeconds": 60, "retryAfter": "seconds", "resetHeaders": true } },
            { "name": "SambaNova", "api": "openai", "latencyMs": { "median": 600, "p95": 1500 }, "errorLatencyMs": { "median": 150, "p95": 400 },
              "rateLimit": { "requestsPerWindow": 20, "windowSeconds": 60, "retryAfter": "seconds", "resetHeaders": true } },
            { "name": "GitHubModels", "api": "openai", "latencyMs": { "median": 700, "p95": 1800 }, "errorLatencyMs": { "median": 150, "p95": 400 },
              "rateLimit": { "requestsPerWindow": 15, "windowSeconds": 60, "retryAfter": "seconds", "resetHeaders": true } },
            { "name": "Cloudflare", "api": "cloudflare", "latencyMs": { "median": 500, "p95": 1200 }, "errorLatencyMs": { "median": 150, "p95": 400 },
              "rateLimit": { "requestsPerWindow": 40, "windowSeconds": 60, "retryAfter": "seconds", "resetHeaders": false } }
          ]
        }
        """;

    public static async Task<int> RunAsync(string[] args, string root, CancellationToken cancellationToken)
    {
        if (!TryParse(args, out var options, out var error))
        {
            await Console.Error.WriteLineAsync($"error: {error}\n{Usage}");
            return 2;
        }

        var (seconds, timeScale, rate, strategies) = options;
        Console.WriteLine(Inv($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine(Inv($"per-minute fleet at timeScale {timeScale} (durations below are scenario time; real = x{timeScale}); {rate} requests a scenario minute, open loop, {seconds} s real per strategy"));
        foreach (var name in Order)
        {
            Console.WriteLine(Inv($"  {name,-13} {Roles[name]}"));
        }

        var (azurite, account) = await Azurite.StartAsync(root, cancellationToken);
        using var azuriteProcess = azurite;
        var runs = new List<(string Name, Result Result)>();
        foreach (var strategy in strategies)
        {
            Console.WriteLine(Inv($"running {strategy}..."));
            runs.Add((strategy, await RunOneAsync(account.ConnectionString, strategy, timeScale, rate, TimeSpan.FromSeconds(seconds), cancellationToken)));
        }

        Print(runs, timeScale);
        return 0;
    }

    private static async Task<Result> RunOneAsync(
        string storage, string strategy, double timeScale, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var simulator = await SimulatorServer.StartAsync(SimulatorScenario.Parse(Scenario(timeScale)), cancellationToken: cancellationToken);
        var settings = ScaledFleet.Settings(storage, simulator.BaseAddress, "Spread", Order, timeScale);
        settings["LlmFunctions:Health:BreakDuration"] = Span(new HealthOptions().BreakDuration.TotalSeconds, timeScale);
        settings["LlmFunctions:Health:RateLimitCooldown"] = Span(new HealthOptions().RateLimitCooldown.TotalSeconds, timeScale);
        settings["LlmFunctions:Health:MaxRateLimitCooldown"] = Span(new HealthOptions().MaxRateLimitCooldown.TotalSeconds, timeScale);
        settings["LlmFunctions:Failover:Spreading"] = strategy;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Error))
            .AddLlmFunctionsGateway(configuration)
            .BuildServiceProvider();
        var runner = services.GetRequiredService<PromptRunner>();

        // Open loop: one request every interval whatever the answers, the same arrivals for every strategy.
        var interval = TimeSpan.FromSeconds(60 * timeScale / rate);
        var count = (int)(duration / interval);
        var started = Stopwatch.GetTimestamp();
        var requests = new List<Task<(bool Ok, TimeSpan Wall, FailoverState State)>>();
        for (var n = 0; n < count; n++)
        {
            var due = interval * n - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            var prompt = Inv($"Prompt {n}: say something short.");
            requests.Add(Task.Run(
                async () =>
                {
                    var at = Stopwatch.GetTimestamp();
                    var (ok, state) = await FlapFleet.RunPromptAsync(runner, prompt, TimeSpan.FromSeconds(120 * timeScale), cancellationToken);
                    return (ok, Stopwatch.GetElapsedTime(at), state);
                },
                cancellationToken));
        }

        var outcomes = await Task.WhenAll(requests);
        var wall = Stopwatch.GetElapsedTime(started);
        return new Result(
            outcomes.Length,
            outcomes.Count(o => o.Ok),
            [.. outcomes.Where(o => o.Ok).Select(o => o.Wall).Order()],
            wall,
            Order.ToDictionary(p => p, p => simulator.Stats.For(p).Count(SimulatorOutcomes.RateLimited), StringComparer.Ordinal),
            Order.ToDictionary(p => p, p => outcomes.Count(o => o.Ok && o.State.History.OfType<AttemptRecord>().Last().Key.Provider == p), StringComparer.Ordinal),
            outcomes.Sum(o => o.State.History.OfType<AttemptRecord>().Count(a => a.Outcome.Class == ErrorClass.RateLimited)));
    }

    private static void Print(List<(string Name, Result Result)> runs, double timeScale)
    {
        Console.WriteLine();
        Console.WriteLine(Inv($"| | {string.Join(" | ", runs.Select(r => r.Name))} |"));
        Console.WriteLine(Inv($"|---|{string.Join("|", runs.Select(_ => "---:"))}|"));
        Row("requests", runs.Select(r => Inv($"{r.Result.Requests}")));
        Row("success rate", runs.Select(r => Inv($"{100.0 * r.Result.Succeeded / Math.Max(1, r.Result.Requests):0.0}%")));
        Row("provider 429s (simulator)", runs.Select(r => Inv($"{r.Result.RateLimited.Values.Sum()}")));
        Row("429s met by requests (attempt history)", runs.Select(r => Inv($"{r.Result.RateLimitedAttempts}")));
        Row("success p50 (scenario s)", runs.Select(r => Inv($"{Percentile(r.Result.Latencies, 50).TotalSeconds / timeScale:0.00}")));
        Row("success p95 (scenario s)", runs.Select(r => Inv($"{Percentile(r.Result.Latencies, 95).TotalSeconds / timeScale:0.00}")));
        Row("wall time of the run (real s)", runs.Select(r => Inv($"{r.Result.Wall.TotalSeconds:0.0}")));
        foreach (var provider in Order)
        {
            Row(Inv($"{provider} ({Roles[provider]}): 429s / served"), runs.Select(r => Inv($"{r.Result.RateLimited[provider]} / {r.Result.Served[provider]}")));
        }

        static void Row(string name, IEnumerable<string> values) => Console.WriteLine(Inv($"| {name} | {string.Join(" | ", values)} |"));
    }

    private static bool TryParse(string[] args, out (int Seconds, double TimeScale, int Rate, string[] Strategies) options, out string? error)
    {
        var (seconds, timeScale, rate, strategies) = (24, 0.1, 90, new[] { "priority", "quota-aware" });
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--seconds" => int.TryParse(value, CultureInfo.InvariantCulture, out seconds) && seconds is >= 5 and <= 3600,
                "--time-scale" => double.TryParse(value, CultureInfo.InvariantCulture, out timeScale) && timeScale is >= 0.01 and <= 1,
                "--rate" => int.TryParse(value, CultureInfo.InvariantCulture, out rate) && rate is >= 1 and <= 100_000,
                "--strategies" => (strategies = value?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? []) is { Length: > 0 }
                    && strategies.All(s => CandidateOrder.Parse(s) is not null),
                _ => false,
            };
            if (!ok)
            {
                error = Inv($"bad option {args[i]} {value}: --seconds 5..3600, --time-scale 0.01..1, --rate 1..100000, --strategies from {string.Join(",", CandidateOrder.Names)}");
                options = default;
                return false;
            }

            i++;
        }

        options = (seconds, timeScale, rate, strategies);
        return true;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Result(
        int Requests,
        int Succeeded,
        IReadOnlyList<TimeSpan> Latencies,
        TimeSpan Wall,
        Dictionary<string, long> RateLimited,
        Dictionary<string, int> Served,
        int RateLimitedAttempts);
}
