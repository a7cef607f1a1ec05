using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using static LlmFunctions.Bench.ScaledFleet;

namespace LlmFunctions.Bench;

/// <summary>
/// A flapping fleet (a provider that hangs, one that flaps between healthy and 503, one that answers 500 with a
/// rate-limit body, a healthy one with a per-minute quota, a slow one) served by the gateway core in process, once
/// with the seed's rules and once with the new defaults, side by side in one run: time spent in failing calls per
/// provider, and the latency of successes, at the success rate each reached.
/// </summary>
internal static class FlapFleet
{
    public const string Argument = "--flap";

    public const string Usage = "--flap [--seconds N (per configuration, real time; default 40)] [--time-scale X (default 0.1)] [--concurrency N (default 8)]";

    // Everything in the scenario and in the settings is scaled by the time scale, so 20 s outages take 2 s.
    private static string Scenario(double timeScale) => $$"""
        {
          "description": "flapping fleet",
          "timeScale": {{timeScale.ToString(CultureInfo.InvariantCulture)}},
          "providers": [
            { "name": "Groq", "api": "openai", "faults": [ { "kind": "hang", "rate": 1, "ms": 600000 } ] },
            { "name": "Cerebras", "api": "openai", "latencyMs": { "median": 400, "p95": 900 }, "flap": { "upSeconds": 40, "downSeconds": 20 } },
            { "name": "SambaNova", "api": "openai", "latencyMs": { "median": 400, "p95": 900 }, "faults": [ { "kind": "rateLimitBody500", "rate": 0.2 } ] },
            { "name": "Cloudflare", "api": "cloudflare", "latencyMs": { "median": 500, "p95": 1200 }, "rateLimit": { "requestsPerWindow": 60, "windowSeconds": 60, "retryAfter": "seconds" } },
            { "name": "GitHubModels", "api": "openai", "latencyMs": { "median": 4000, "p95": 8000 } }
          ]
        }
        """;

    private static readonly string[] Order = ["Groq", "Cerebras", "SambaNova", "Cloudflare", "GitHubModels"];

    private static readonly Dictionary<string, string> Roles = new(StringComparer.Ordinal)
    {
        ["Groq"] = "hangs",
        ["Cerebras"] = "flaps 40 s up / 20 s down (503)",
        ["SambaNova"] = "500 with a 429 body, 1 call in 5",
        ["Cloudflare"] = "healthy, 60 requests a minute",
        ["GitHubModels"] = "slow (median 4 s)",
    };

    public static async Task<int> RunAsync(string[] args, string root, CancellationToken cancellationToken)
    {
        if (!TryParse(args, out var seconds, out var timeScale, out var concurrency, out var error))
        {
            await Console.Error.WriteLineAsync($"error: {error}\n{Usage}");
            return 2;
        }

        Console.WriteLine(Inv($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine(Inv($"flapping fleet at timeScale {timeScale} (every duration below is scenario time; real = x{timeScale}); {concurrency} workers, {seconds} s real per configuration"));
        foreach (var name in Order)
        {
            Console.WriteLine(Inv($"  {name,-13} {Roles[name]}"));
        }

        var (azurite, account) = await Azurite.StartAsync(root, cancellationToken);
        using var azuriteProcess = azurite;
        var runs = new List<(string Name, Result Result)>();
        foreach (var (name, settings) in new[] { ("seed rules", SeedRules(timeScale)), ("new defaults", NewDefaults(timeScale)) })
        {
            Console.WriteLine(Inv($"running {name}..."));
            var result = await RunOneAsync(account.ConnectionString, settings, timeScale, concurrency, TimeSpan.FromSeconds(seconds), cancellationToken);
            runs.Add((name, result));
        }

        Print(runs, timeScale);
        return 0;
    }

    // The seed's rules: a 1 h cooldown for a limit without a retry time, 60 s breaks doubling on every trip, no hang
    // suspicion, and a queue as long as the old 100,000.
    private static Dictionary<string, string?> SeedRules(double s) => new(StringComparer.Ordinal)
    {
        ["LlmFunctions:Health:BreakDuration"] = Span(60, s),
        ["LlmFunctions:Health:ShortBreaks"] = "1",
        ["LlmFunctions:Health:RateLimitCooldown"] = Span(3600, s),
        ["LlmFunctions:Health:MaxRateLimitCooldown"] = Span(3600, s),
        ["LlmFunctions:Health:SuspectHangAfter"] = "0",
        ["MaxQueue"] = "10000",
    };

    // The defaults of HealthOptions and the catalog, scaled.
    private static Dictionary<string, string?> NewDefaults(double s)
    {
        var defaults = new HealthOptions();
        return new(StringComparer.Ordinal)
        {
            ["LlmFunctions:Health:BreakDuration"] = Span(defaults.BreakDuration.TotalSeconds, s),
            ["LlmFunctions:Health:RateLimitCooldown"] = Span(defaults.RateLimitCooldown.TotalSeconds, s),
            ["LlmFunctions:Health:MaxRateLimitCooldown"] = Span(defaults.MaxRateLimitCooldown.TotalSeconds, s),
            ["MaxQueue"] = ProviderCatalog.DefaultMaxQueue.ToString(CultureInfo.InvariantCulture),
        };
    }

    private static async Task<Result> RunOneAsync(
        string storage, Dictionary<string, string?> variant, double timeScale, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var simulator = await SimulatorServer.StartAsync(SimulatorScenario.Parse(Scenario(timeScale)), cancellationToken: cancellationToken);
        var settings = ScaledFleet.Settings(storage, simulator.BaseAddress, "Flap", Order, timeScale);
        foreach (var builtIn in BuiltInProviders.All)
        {
            settings[$"{ProviderCatalog.SectionName}:{builtIn.Name}:MaxQueue"] = variant["MaxQueue"];
        }

        foreach (var (key, value) in variant.Where(v => v.Key.StartsWith("LlmFunctions:", StringComparison.Ordinal)))
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Error))
            .AddLlmFunctionsGateway(configuration)
            .BuildServiceProvider();
        var runner = services.GetRequiredService<PromptRunner>();

        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var outcomes = new List<(bool Ok, TimeSpan Wall, FailoverState State)>();
        var gate = new Lock();
        var next = 0;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(
            async () =>
            {
                while (Stopwatch.GetTimestamp() < until)
                {
                    var n = Interlocked.Increment(ref next);
                    var started = Stopwatch.GetTimestamp();
                    var (ok, state) = await RunPromptAsync(runner, Inv($"Prompt {n}: say something short."), TimeSpan.FromSeconds(120 * timeScale), cancellationToken);
                    lock (gate)
                    {
                        outcomes.Add((ok, Stopwatch.GetElapsedTime(started), state));
                    }
                }
            },
            cancellationToken));
        await Task.WhenAll(workers);

        var attempts = outcomes.SelectMany(o => o.State.History.OfType<AttemptRecord>()).ToList();
        var failing = attempts.Where(a => a.Outcome.Class is not (ErrorClass.Success or ErrorClass.Cancelled)).ToList();
        return new Result(
            outcomes.Count,
            outcomes.Count(o => o.Ok),
            [.. outcomes.Where(o => o.Ok).Select(o => o.Wall).Order()],
            Order.ToDictionary(p => p, p => failing.Where(a => a.Key.Provider == p).Aggregate(TimeSpan.Zero, (t, a) => t + a.Duration), StringComparer.Ordinal),
            Order.ToDictionary(p => p, p => (long)simulator.Stats.For(p).Calls, StringComparer.Ordinal),
            Order.ToDictionary(p => p, p => outcomes.Count(o => o.Ok && o.State.History.OfType<AttemptRecord>().Last().Key.Provider == p), StringComparer.Ordinal));
    }

    // The sync path's loop: waits are waited out in process, a round blocked by a probe is looked at again shortly.
    internal static async Task<(bool Ok, FailoverState State)> RunPromptAsync(PromptRunner runner, string prompt, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var request = new PromptRequest
        {
            Messages = [new ChatMessage("user", prompt)],
            Deadline = DateTimeOffset.UtcNow + deadline,
        };
        var state = await runner.StartAsync(request, cancellationToken);
        while (true)
        {
            var step = await runner.RunAsync(state, cancellationToken);
            switch (step.Decision)
            {
                case WaitThenRetry wait:
                    var delay = wait.Until - DateTimeOffset.UtcNow;
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, cancellationToken);
                    }

                    state = step.State;
                    continue;
                case Finish finish when FailoverRound.RetryAt(step.State, finish, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(250)) is { } again
                    && again <= DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(250):
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                    state = FailoverRound.Next(step.State);
                    continue;
                case Finish finish:
                    return (finish.Kind == FinishKind.Succeeded, step.State);
            }
        }
    }

    private static void Print(List<(string Name, Result Result)> runs, double timeScale)
    {
        Console.WriteLine();
        Console.WriteLine(Inv($"| | {string.Join(" | ", runs.Select(r => r.Name))} |"));
        Console.WriteLine(Inv($"|---|{string.Join("|", runs.Select(_ => "---:"))}|"));
        Row("requests", runs.Select(r => Inv($"{r.Result.Requests}")));
        Row("success rate", runs.Select(r => Inv($"{100.0 * r.Result.Succeeded / Math.Max(1, r.Result.Requests):0.0}%")));
        Row("success p50 (scenario s)", runs.Select(r => Inv($"{Percentile(r.Result.Latencies, 50).TotalSeconds / timeScale:0.0}")));
        Row("success p95 (scenario s)", runs.Select(r => Inv($"{Percentile(r.Result.Latencies, 95).TotalSeconds / timeScale:0.0}")));
        Row("time in failing calls per request (scenario s)", runs.Select(r => Inv($"{r.Result.FailingTime.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b).TotalSeconds / timeScale / Math.Max(1, r.Result.Requests):0.00}")));
        foreach (var provider in Order)
        {
            Row(Inv($"{provider} ({Roles[provider]}): failing time s / calls / served"), runs.Select(r =>
                Inv($"{r.Result.FailingTime[provider].TotalSeconds / timeScale:0} / {r.Result.Calls[provider]} / {r.Result.Served[provider]}")));
        }

        static void Row(string name, IEnumerable<string> values) => Console.WriteLine(Inv($"| {name} | {string.Join(" | ", values)} |"));
    }

    private static bool TryParse(string[] args, out int seconds, out double timeScale, out int concurrency, out string? error)
    {
        (seconds, timeScale, concurrency, error) = (40, 0.1, 8, null);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            var ok = args[i] switch
            {
                "--seconds" => int.TryParse(value, CultureInfo.InvariantCulture, out seconds) && seconds is >= 5 and <= 3600,
                "--time-scale" => double.TryParse(value, CultureInfo.InvariantCulture, out timeScale) && timeScale is >= 0.01 and <= 1,
                "--concurrency" => int.TryParse(value, CultureInfo.InvariantCulture, out concurrency) && concurrency is >= 1 and <= 256,
                _ => false,
            };
            if (!ok)
            {
                error = Inv($"bad option {args[i]} {value}: --seconds 5..3600, --time-scale 0.01..1, --concurrency 1..256");
                return false;
            }

            i++;
        }

        return true;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Result(
        int Requests,
        int Succeeded,
        IReadOnlyList<TimeSpan> Latencies,
        Dictionary<string, TimeSpan> FailingTime,
        Dictionary<string, long> Calls,
        Dictionary<string, int> Served);
}
