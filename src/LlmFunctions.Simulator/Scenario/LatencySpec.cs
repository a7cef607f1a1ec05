namespace LlmFunctions.Simulator;

/// <summary>How long a provider takes before a successful answer, in unscaled milliseconds.</summary>
public sealed class LatencySpec
{
    internal LatencySpec()
    {
    }

    /// <summary>A fixed delay; when set, <see cref="MedianMs"/> and <see cref="P95Ms"/> are unused.</summary>
    public double? FixedMs { get; internal init; }

    /// <summary>The median of a log-normal delay.</summary>
    public double? MedianMs { get; internal init; }

    /// <summary>The 95th percentile of a log-normal delay; defaults to the median (no spread).</summary>
    public double? P95Ms { get; internal init; }
}
