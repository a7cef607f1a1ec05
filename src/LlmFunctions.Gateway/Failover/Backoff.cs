namespace LlmFunctions.Failover;

/// <summary>
/// Exponential backoff with jitter, as a pure function: attempt n waits <c>baseDelay × 2^(n-1)</c> scaled by a factor
/// uniformly drawn from [0.8, 1.2) (±20% jitter, so concurrent callers that failed together do not retry together),
/// then capped at <c>maxDelay</c>. The result is rounded to whole milliseconds.
/// </summary>
public static class Backoff
{
    /// <summary>The jitter's half-width as a share of the delay: ±20%.</summary>
    public const double JitterRatio = 0.2;

    /// <summary>Computes the wait after failed attempt number <paramref name="attempt"/>.</summary>
    /// <param name="attempt">The 1-based number of the attempt that just failed.</param>
    /// <param name="baseDelay">The delay after the first attempt, before jitter.</param>
    /// <param name="maxDelay">The cap, applied after jitter.</param>
    /// <param name="random">Returns a value in [0, 1); 0.5 means no jitter. Values outside are clamped.</param>
    /// <returns>The delay.</returns>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, Func<double> random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        ArgumentNullException.ThrowIfNull(random);

        var factor = 1 + (JitterRatio * ((2 * Math.Clamp(random(), 0, 1)) - 1));
        var ms = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 62)) * factor;
        var capped = Math.Min(ms, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Round(capped, MidpointRounding.AwayFromZero));
    }
}
