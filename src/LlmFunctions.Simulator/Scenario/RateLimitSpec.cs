namespace LlmFunctions.Simulator;

/// <summary>A fixed-window request limit: over it the provider answers 429.</summary>
public sealed class RateLimitSpec
{
    internal RateLimitSpec()
    {
    }

    /// <summary>Requests admitted per window.</summary>
    public int RequestsPerWindow { get; internal init; }

    /// <summary>The window length in unscaled seconds (default 60).</summary>
    public double WindowSeconds { get; internal init; } = 60;

    /// <summary>The form of the <c>Retry-After</c> header (default seconds).</summary>
    public RetryAfterStyle RetryAfter { get; internal init; } = RetryAfterStyle.Seconds;

    /// <summary>Whether to send <c>x-ratelimit-remaining-requests</c> and <c>x-ratelimit-reset-requests</c>.</summary>
    public bool ResetHeaders { get; internal init; }
}
