namespace LlmFunctions.StandaloneHost.Security;

/// <summary>
/// A per-minute budget as a token bucket: it holds at most the minute's allowance, refills continuously at that
/// allowance a minute, and a request takes its cost. Pure: the caller passes the time and keeps the state.
/// </summary>
/// <param name="Tokens">The tokens left.</param>
/// <param name="At">When <paramref name="Tokens"/> was computed.</param>
internal readonly record struct TokenBucket(double Tokens, DateTimeOffset At)
{
    /// <summary>A full bucket at <paramref name="now"/>.</summary>
    public static TokenBucket Full(int perMinute, DateTimeOffset now) => new(perMinute, now);

    /// <summary>The bucket refilled up to <paramref name="now"/>.</summary>
    public TokenBucket RefilledAt(DateTimeOffset now, int perMinute)
    {
        var elapsed = now > At ? (now - At).TotalMinutes : 0;
        return new(Math.Min(perMinute, Tokens + (elapsed * perMinute)), now > At ? now : At);
    }

    /// <summary>How long until <paramref name="cost"/> tokens are there (zero when they are now).</summary>
    public TimeSpan WaitFor(double cost, int perMinute) =>
        Tokens >= cost ? TimeSpan.Zero : TimeSpan.FromMinutes((cost - Tokens) / perMinute);
}
