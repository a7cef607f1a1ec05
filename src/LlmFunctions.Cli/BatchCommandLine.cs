using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Cli;

/// <summary>The <c>batch</c> command's settings.</summary>
internal sealed record BatchCommandOptions
{
    public required string Input { get; init; }

    public InputFormat? Format { get; init; }

    public required string Out { get; init; }

    public required string Chart { get; init; }

    public required BatchRunnerOptions Runner { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public bool Progress { get; init; } = true;
}

/// <summary>Parses <c>llmfunctions batch …</c>. Every error names the option at fault.</summary>
internal static class BatchCommandLine
{
    public const string Usage = """
        Usage: llmfunctions batch --input <prompts.jsonl|prompts.csv> [options]

        Sends every prompt of the input through the gateway, with adaptive concurrency, appending one line per item
        to the results file. Rerunning with the same --out skips the items already recorded.

          --input <path>            JSONL ({"prompt": ...} or {"messages": [...]}, optional id, model, max_tokens)
                                    or CSV with a header row naming a 'prompt' column (optional id, model)
          --format jsonl|csv        input format (default: from the extension; .csv is CSV, else JSONL)
          --out <path>              results file (default results.jsonl)
          --chart <path>            chart of the whole run (failed and answered items, error rate, concurrency),
                                    self-contained HTML
                                    (default: the results file's name with .chart.html)
          --gateway <url>           gateway address (default http://127.0.0.1:7071); a function key, when the
                                    gateway needs one, comes from the LLMFUNCTIONS_KEY environment variable
          --mode sync|durable       POST /v1/chat/completions, or POST /api/prompts/{run-id}-{index} and poll
                                    (default sync)
          --run-id <id>             names the durable instances (default: from the results file's full path)
          --route <name>            the gateway route every item is sent on (x-llmfunctions-route header): 1 to 64
                                    letters, digits, '-', '_' or '.' (default: none, the gateway's default path)
          --window <n>              outcomes the error rate is computed over (default 50)
          --min-samples <n>         outcomes needed before the rate is acted on (default 10)
          --min <n> --max <n>       concurrency bounds (default 1 and 8)
          --initial <n>             starting concurrency (default 2)
          --decrease-above <rate>   error rate that halves concurrency and pauses (default 0.5)
          --increase-below <rate>   error rate under which concurrency grows by one per round (default 0.2)
          --pause <seconds>         pause after a decrease (default 5)
          --poll-interval <seconds> durable status poll interval (default 1)
          --timeout <seconds>       per HTTP request (default 300)
          --grace <seconds>         on Ctrl+C, how long in-flight items may finish (default 30)
          --retries <n>             times an item answered 429, 503 or 408, or not delivered (no connection), is
                                    sent again before it is recorded as failed (0 to 100, default 8)
          --max-retry-delay <seconds>
                                    longest wait before sending an item again; the gateway's Retry-After is
                                    honoured up to it, else 1, 2, 4, ... s (default 60)
          --model <hint>  --max-tokens <n>  --temperature <t>  --allow-truncation  --deadline <seconds>
                                    sent with every item (an item's own model/max_tokens win)
          --no-progress             no live progress line

        Exit codes: 0 every item answered; 1 some item failed or some input record is bad; 2 bad arguments, a missing
        input or an unreadable results file; 130 stopped by Ctrl+C (rerun to finish).
        """;

    private static readonly HashSet<string> Flags = ["--allow-truncation", "--no-progress", "--help", "-h"];

    /// <summary>Parses the arguments after <c>batch</c>; returns the options, or the error (null options and null
    /// error for --help).</summary>
    public static (BatchCommandOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                return (null, $"unexpected argument '{arg}': options start with --");
            }

            string name;
            string? value = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            else
            {
                name = arg;
            }

            if (!Known.Contains(name) && !Flags.Contains(name))
            {
                return (null, $"unknown option '{name}' (see llmfunctions batch --help)");
            }

            if (Flags.Contains(name))
            {
                if (value is not null)
                {
                    return (null, $"option {name} takes no value");
                }

                value = "true";
            }
            else if (value is null)
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                {
                    return (null, $"option {name} needs a value");
                }

                value = args[++i];
            }

            if (!values.TryAdd(name, value))
            {
                return (null, $"option {name} is given twice");
            }
        }

        if (values.ContainsKey("--help") || values.ContainsKey("-h"))
        {
            return (null, null);
        }

        try
        {
            return (Build(values), null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    private static readonly HashSet<string> Known =
    [
        "--input", "--format", "--out", "--chart", "--gateway", "--mode", "--run-id", "--window", "--min-samples", "--min", "--max",
        "--initial", "--decrease-above", "--increase-below", "--pause", "--poll-interval", "--timeout", "--grace", "--retries", "--max-retry-delay", "--model",
        "--max-tokens", "--temperature", "--deadline", "--route",
    ];

    private static BatchCommandOptions Build(Dictionary<string, string> v)
    {
        if (!v.TryGetValue("--input", out var input) || string.IsNullOrWhiteSpace(input))
        {
            throw new FormatException("option --input is required: the JSONL or CSV file of prompts");
        }

        var format = v.TryGetValue("--format", out var f)
            ? f.ToUpperInvariant() switch
            {
                "JSONL" => InputFormat.Jsonl,
                "CSV" => InputFormat.Csv,
                _ => throw new FormatException($"--format must be jsonl or csv, was '{f}'"),
            }
            : (InputFormat?)null;
        var output = v.GetValueOrDefault("--out", "results.jsonl");
        var chart = v.GetValueOrDefault("--chart") ?? Path.ChangeExtension(output, null) + ".chart.html";
        var gatewayText = v.GetValueOrDefault("--gateway", "http://127.0.0.1:7071");
        if (!Uri.TryCreate(gatewayText.EndsWith('/') ? gatewayText : gatewayText + "/", UriKind.Absolute, out var gateway) || gateway.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"--gateway must be an http or https URL, was '{gatewayText}'");
        }

        var mode = v.GetValueOrDefault("--mode", "sync").ToUpperInvariant() switch
        {
            "SYNC" => BatchMode.Sync,
            "DURABLE" => BatchMode.Durable,
            _ => throw new FormatException($"--mode must be sync or durable, was '{v["--mode"]}'"),
        };
        var runId = v.GetValueOrDefault("--run-id") ?? DefaultRunId(output);
        if (runId.Length is 0 or > 200 || runId.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)))
        {
            throw new FormatException($"--run-id must be 1 to 200 characters without / \\ # ? or control characters, was '{runId}'");
        }

        var defaults = new AimdOptions();
        var aimd = new AimdOptions
        {
            Window = Int(v, "--window", defaults.Window),
            MinSamples = Int(v, "--min-samples", Math.Min(defaults.MinSamples, Int(v, "--window", defaults.Window))),
            Min = Int(v, "--min", defaults.Min),
            Max = Int(v, "--max", defaults.Max),
            Initial = Int(v, "--initial", Math.Clamp(defaults.Initial, Int(v, "--min", defaults.Min), Math.Max(Int(v, "--min", defaults.Min), Int(v, "--max", defaults.Max)))),
            DecreaseAbove = Double(v, "--decrease-above", defaults.DecreaseAbove),
            IncreaseBelow = Double(v, "--increase-below", defaults.IncreaseBelow),
            Pause = Seconds(v, "--pause", defaults.Pause),
        };
        if (aimd.Validate() is { } error)
        {
            throw new FormatException(error);
        }

        var poll = Seconds(v, "--poll-interval", TimeSpan.FromSeconds(1));
        var timeout = Seconds(v, "--timeout", TimeSpan.FromMinutes(5));
        if (poll <= TimeSpan.Zero || timeout <= TimeSpan.Zero)
        {
            throw new FormatException(poll <= TimeSpan.Zero ? "--poll-interval must be above 0" : "--timeout must be above 0");
        }

        int? maxTokens = v.ContainsKey("--max-tokens") ? Int(v, "--max-tokens", 0) : null;
        if (maxTokens < 1)
        {
            throw new FormatException($"--max-tokens must be at least 1, was {maxTokens}");
        }

        int? deadline = v.ContainsKey("--deadline") ? Int(v, "--deadline", 0) : null;
        if (deadline < 1)
        {
            throw new FormatException($"--deadline must be at least 1 second, was {deadline}");
        }

        var defaultRunner = new BatchRunnerOptions { ResultsPath = output, RunId = runId };
        var runner = new BatchRunnerOptions
        {
            Gateway = gateway,
            Mode = mode,
            ResultsPath = output,
            RunId = runId,
            Aimd = aimd,
            PollInterval = poll,
            StopGrace = Seconds(v, "--grace", TimeSpan.FromSeconds(30)),
            Retries = Int(v, "--retries", defaultRunner.Retries),
            MaxRetryDelay = Seconds(v, "--max-retry-delay", defaultRunner.MaxRetryDelay),
            Route = v.GetValueOrDefault("--route"),
            Model = v.GetValueOrDefault("--model"),
            MaxTokens = maxTokens,
            Temperature = v.ContainsKey("--temperature") ? Double(v, "--temperature", 0) : null,
            AllowTruncation = v.ContainsKey("--allow-truncation") ? true : null,
            DeadlineSeconds = deadline,
        };
        if (runner.Validate() is { } runnerError)
        {
            throw new FormatException(runnerError);
        }

        return new BatchCommandOptions
        {
            Input = input,
            Format = format,
            Out = output,
            Chart = chart,
            RequestTimeout = timeout,
            Progress = !v.ContainsKey("--no-progress"),
            Runner = runner,
        };
    }

    /// <summary>Stable for a results file, so a rerun with the same --out finds the durable instances it started.</summary>
    public static string DefaultRunId(string resultsPath)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(resultsPath)));
        return "batch-" + Convert.ToHexStringLower(hash)[..12];
    }

    private static int Int(Dictionary<string, string> v, string name, int fallback) =>
        !v.TryGetValue(name, out var text) ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : throw new FormatException($"{name} must be a whole number, was '{text}'");

    private static double Double(Dictionary<string, string> v, string name, double fallback) =>
        !v.TryGetValue(name, out var text) ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n
        : throw new FormatException($"{name} must be a number, was '{text}'");

    private static TimeSpan Seconds(Dictionary<string, string> v, string name, TimeSpan fallback)
    {
        if (!v.ContainsKey(name))
        {
            return fallback;
        }

        var seconds = Double(v, name, 0);
        return seconds is < 0 or > 86_400 ? throw new FormatException($"{name} must be from 0 to 86400 seconds, was {v[name]}") : TimeSpan.FromSeconds(seconds);
    }
}
