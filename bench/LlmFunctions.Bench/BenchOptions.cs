using System.Globalization;

namespace LlmFunctions.Bench;

/// <summary>The command line, validated.</summary>
internal sealed record BenchOptions(
    IReadOnlyList<int> Concurrency,
    IReadOnlyList<int> Requests,
    int Repeats,
    int Warmup,
    int LatencyMs,
    TimeSpan TimeLimit,
    string? AppDll,
    int DurableInstances = 2000,
    int DurableConcurrency = 32,
    bool Sync = true,
    int StreamRequests = 500)
{
    public const string Usage = """
        usage: LlmFunctions.Bench [--concurrency 1,8,32] [--requests 2000,5000,10000] [--repeats 3] [--warmup 1000]
                                  [--latency-ms 1] [--time-limit 600] [--app path/to/LlmFunctions.StandaloneHost.dll]
                                  [--durable 2000] [--durable-concurrency 32] [--sync on|off] [--stream 500]
          --concurrency  comma-separated client concurrency levels, each 1..256
          --requests     requests per measurement, one per concurrency level (or one value for all), each 1..1000000
          --repeats      measurements per level and target; medians are printed (1..15)
          --warmup       warm-up requests per target before measuring (0..100000)
          --latency-ms   the simulated provider's fixed latency in ms (0..1000)
          --time-limit   hard limit for the whole run in seconds (10..3600); the run aborts when it is reached
          --app          the built standalone host (default: src/LlmFunctions.StandaloneHost/bin/Release/net10.0 under the repo root)
          --durable      instances per repeat of each durable path: the prompt orchestration (POST /api/prompts) and the
                         bare one-activity DTFx orchestration (0..100000; 0 skips both)
          --durable-concurrency  concurrent starts on both durable paths (1..256)
          --sync         off skips the sync table (direct vs gateway)
          --stream       streamed requests per repeat and target for the time-to-first-byte table at concurrency 1
                         (direct vs gateway, "stream": true; 0..100000; 0 skips it)
        """;

    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        IReadOnlyList<int> concurrency = [1, 8, 32];
        IReadOnlyList<int>? requests = null;
        int repeats = 3, warmup = 1000, latency = 1, limit = 600, durable = 2000, durableConcurrency = 32;
        var sync = true;
        var stream = 500;
        string? app = null;
        if (OptionPairs.Split(args, out error) is not { } pairs)
        {
            return null;
        }

        foreach (var (name, value) in pairs)
        {
            var ok = name switch
            {
                "--concurrency" => TryList(name, value, 1, 256, out concurrency!, out error),
                "--requests" => TryList(name, value, 1, 1_000_000, out requests, out error),
                "--repeats" => TryInt(name, value, 1, 15, out repeats, out error),
                "--warmup" => TryInt(name, value, 0, 100_000, out warmup, out error),
                "--latency-ms" => TryInt(name, value, 0, 1000, out latency, out error),
                "--time-limit" => TryInt(name, value, 10, 3600, out limit, out error),
                "--app" => OptionPairs.TryApp(value, out app, out error),
                "--durable" => TryInt(name, value, 0, 100_000, out durable, out error),
                "--durable-concurrency" => TryInt(name, value, 1, 256, out durableConcurrency, out error),
                "--sync" when value is "on" or "off" => (sync = value == "on") || true,
                "--stream" => TryInt(name, value, 0, 100_000, out stream, out error),
                "--sync" => Fail($"--sync must be on or off, was '{value}'", out error),
                _ => Fail($"unknown option '{name}'", out error),
            };
            if (!ok)
            {
                return null;
            }
        }

        requests ??= concurrency.Select(c => c switch { 1 => 2000, <= 8 => 5000, _ => 10_000 }).ToList();
        if (requests.Count == 1 && concurrency.Count > 1)
        {
            requests = concurrency.Select(_ => requests[0]).ToList();
        }

        if (requests.Count != concurrency.Count)
        {
            error = $"--requests has {requests.Count} values but --concurrency has {concurrency.Count}; give one value, or one per level";
            return null;
        }

        for (var i = 0; i < concurrency.Count; i++)
        {
            if (requests[i] < concurrency[i])
            {
                error = $"--requests {requests[i]} is fewer than concurrency {concurrency[i]}";
                return null;
            }
        }

        return new BenchOptions(concurrency, requests, repeats, warmup, latency, TimeSpan.FromSeconds(limit), app, durable, durableConcurrency, sync, stream);
    }

    private static bool TryInt(string name, string value, int min, int max, out int result, out string? error)
    {
        error = null;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max)
        {
            return true;
        }

        error = $"{name} must be a whole number from {min} to {max}, was '{value}'";
        return false;
    }

    private static bool TryList(string name, string value, int min, int max, out IReadOnlyList<int>? result, out string? error)
    {
        var list = new List<int>();
        foreach (var part in value.Split(','))
        {
            if (!TryInt(name, part.Trim(), min, max, out var n, out error))
            {
                error = $"{name} must be a comma-separated list of whole numbers from {min} to {max}, was '{value}'";
                result = null;
                return false;
            }

            list.Add(n);
        }

        result = list;
        error = null;
        return true;
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}
