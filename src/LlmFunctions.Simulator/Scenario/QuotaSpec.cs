namespace LlmFunctions.Simulator;

/// <summary>A free tier that runs out: after <see cref="Requests"/> successful calls every call answers <see cref="Status"/>.</summary>
public sealed class QuotaSpec
{
    internal QuotaSpec()
    {
    }

    /// <summary>Successful calls allowed before the quota is exhausted.</summary>
    public int Requests { get; internal init; }

    /// <summary>The status answered once exhausted: 429 or 402 (default 429).</summary>
    public int Status { get; internal init; } = 429;

    /// <summary>The unscaled <c>Retry-After</c> seconds sent with a 429; none when null.</summary>
    public double? RetryAfterSeconds { get; internal init; }

    /// <summary>When set, the quota refills this many unscaled seconds after its first use; otherwise never.</summary>
    public double? PeriodSeconds { get; internal init; }
}
