using System.Globalization;

namespace LlmFunctions.Cli.Batch;

/// <summary>How items go through the gateway.</summary>
public enum BatchMode
{
    /// <summary><c>POST /v1/chat/completions</c>, waiting for the answer (following a 202 hand-off).</summary>
    Sync,

    /// <summary><c>POST /api/prompts/{runId}-{index}</c>, then polling the instance's status.</summary>
    Durable,
}

/// <summary>Settings of one batch run.</summary>
public sealed record BatchRunnerOptions
{
    /// <summary>The largest <see cref="Retries"/>.</summary>
    public const int MaxRetries = 100;

    /// <summary>The gateway's base address.</summary>
    public Uri Gateway { get; init; } = new("http://127.0.0.1:7071/");

    /// <summary>Synchronous or durable requests.</summary>
    public BatchMode Mode { get; init; } = BatchMode.Sync;

    /// <summary>The results file; appended to, and read on start to skip what it holds.</summary>
    public required string ResultsPath { get; init; }

    /// <summary>Names this run's durable instances (<c>{RunId}-{index}</c>), so that a restarted run finds the
    /// instances its earlier start created instead of starting them again.</summary>
    public required string RunId { get; init; }

    /// <summary>Adaptive concurrency.</summary>
    public AimdOptions Aimd { get; init; } = new();

    /// <summary>How long to wait between status polls of a durable instance.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After a stop, how long in-flight items may take to finish before they are abandoned (unrecorded, so
    /// a rerun sends them again).</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The header that names the route every item is sent on.</summary>
    public const string RouteHeader = "x-llmfunctions-route";

    /// <summary>The longest route name.</summary>
    public const int MaxRouteLength = 64;

    /// <summary>The gateway route every item is sent on (the <c>x-llmfunctions-route</c> header): 1 to 64 letters,
    /// digits, '-', '_' or '.'. Null (the default) sends none, so the gateway's default path answers.</summary>
    public string? Route { get; init; }

    /// <summary>The model hint sent with every item that has none of its own.</summary>
    public string? Model { get; init; }

    /// <summary>max_tokens for every item that has none of its own.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>temperature for every item.</summary>
    public double? Temperature { get; init; }

    /// <summary>allow_truncation for every item.</summary>
    public bool? AllowTruncation { get; init; }

    /// <summary>deadline_seconds for every item.</summary>
    public int? DeadlineSeconds { get; init; }

    /// <summary>How many times an item whose answer means "try later" (429, 503, 408, or no connection) is sent again
    /// before it is recorded as failed with its last answer; 0 records the first answer. 0 to 100, default 8: enough to
    /// ride out a provider's rate window filling up again and again.</summary>
    public int Retries { get; init; } = 8;

    /// <summary>The longest wait before sending an item again, whether the gateway's <c>Retry-After</c> asked for more
    /// or the exponential backoff (1 s, 2 s, 4 s, …) grew past it; also caps how long a <c>Retry-After</c> holds every
    /// item back. Above 0, default 60 s (a provider's per-minute window).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Returns null when the settings are consistent, else a message naming the option at fault.</summary>
    public string? Validate()
    {
        if (Aimd.Validate() is { } aimd)
        {
            return aimd;
        }

        if (Retries is < 0 or > MaxRetries)
        {
            return $"--retries must be from 0 to {MaxRetries}, was {Retries}";
        }

        if (Route is not null && !IsRouteName(Route))
        {
            return $"--route must be 1 to {MaxRouteLength} letters, digits, '-', '_' or '.', was '{(Route.Length <= MaxRouteLength ? Route : Route[..MaxRouteLength] + "…")}'";
        }

        return MaxRetryDelay <= TimeSpan.Zero
            ? string.Create(CultureInfo.InvariantCulture, $"--max-retry-delay must be above 0 seconds, was {MaxRetryDelay.TotalSeconds}")
            : null;
    }

    /// <summary>Whether <paramref name="name"/> is a route name the gateway accepts.</summary>
    public static bool IsRouteName(string name) =>
        name is { Length: > 0 and <= MaxRouteLength } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
