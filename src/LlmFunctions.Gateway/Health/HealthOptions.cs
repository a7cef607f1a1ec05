namespace LlmFunctions.Health;

/// <summary>
/// Settings of the shared provider health: circuit breaker thresholds, cooldowns and the table that holds it.
/// Bound from the <c>LlmFunctions:Health</c> configuration section and checked by
/// <see cref="HealthOptionsValidator"/>.
/// </summary>
public sealed class HealthOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "LlmFunctions:Health";

    /// <summary>
    /// Gets or sets how many consecutive counted failures (Transient, MalformedResponse, Unexpected) trip a closed
    /// circuit open. Must be between 1 and 1000.
    /// </summary>
    /// <value>The default value is 5.</value>
    public int FailureThreshold { get; set; } = 5;

    /// <summary>
    /// Gets or sets how long a short circuit break lasts: the first <see cref="ShortBreaks"/> trips in a row break for
    /// this long, and each further trip without a sustained success doubles it up to <see cref="MaxBreakDuration"/>.
    /// Short because most outages are blips (a restart, a 20 s flap): a long first break keeps a provider out well
    /// after it is back, while a probe per break costs one call. Must be between 1 second and 1 day.
    /// </summary>
    /// <value>The default value is 15 seconds (the seed's rule was 60 seconds).</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets how many trips in a row break for <see cref="BreakDuration"/> before the break starts doubling. Two
    /// means an outage of up to about two short breaks is waited out at the short step (its first probe usually lands
    /// inside it), and only a longer outage makes the breaks grow. Trips count "in a row" until the circuit has stayed
    /// closed for as long as its last break. Must be between 1 and 100.
    /// </summary>
    /// <value>The default value is 2 (the seed's rule was 1: every repeated trip doubled).</value>
    public int ShortBreaks { get; set; } = 2;

    /// <summary>
    /// Gets or sets the cap on the growing circuit break. Must be at least <see cref="BreakDuration"/> and at most
    /// 7 days.
    /// </summary>
    /// <value>The default value is 30 minutes.</value>
    public TimeSpan MaxBreakDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Gets or sets how long a provider is disabled after a permanent error (401, 402, 403, 404 and the like).
    /// Must be between 1 minute and 30 days.
    /// </summary>
    /// <value>The default value is 24 hours.</value>
    public TimeSpan PermanentFailureCooldown { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Gets or sets how long a provider first cools down after a rate limit that carries no retry time (a 429 without
    /// Retry-After or reset headers, or a 5xx whose body says rate limit). Each further such limit met when the
    /// previous cooldown has ended, with no success between, doubles it up to <see cref="MaxRateLimitCooldown"/>.
    /// Short because most limits without a retry time are per-minute quotas that are back within a minute; a
    /// Retry-After, when given, always rules. Must be between 1 second and 1 day.
    /// </summary>
    /// <value>The default value is 30 seconds (the seed's rule was 1 hour: set this and the cap to 01:00:00).</value>
    public TimeSpan RateLimitCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the cap on the growing rate-limit cooldown. Must be at least <see cref="RateLimitCooldown"/> and at
    /// most 1 day.
    /// </summary>
    /// <value>The default value is 1 hour (a daily quota met again and again ends up at the seed's hour).</value>
    public TimeSpan MaxRateLimitCooldown { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets after what fraction of a provider's attempt timeout a call in flight with no answer since it started
    /// makes the provider suspect of hanging; with it, the count rule of <see cref="HangSuspicion"/> (failures in a row
    /// plus unanswered calls in flight reaching <see cref="FailureThreshold"/>) sends new requests elsewhere first.
    /// Half the timeout: a call that slow is already unusual for the provider, and the other half is what a request
    /// would lose joining it. 0 turns hang suspicion off (the seed's rule: calls pile on until timeouts open the
    /// circuit). Must be between 0 and 1.
    /// </summary>
    /// <value>The default value is 0.5.</value>
    public double SuspectHangAfter { get; set; } = 0.5;

    /// <summary>
    /// Gets or sets how long one half-open probe may hold the probe slot before another caller may probe.
    /// Must be between 1 second and 1 hour.
    /// </summary>
    /// <value>The default value is 2 minutes.</value>
    public TimeSpan ProbeLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the Azure Table Storage table that holds the health rows. Must be a valid table name:
    /// 3 to 63 letters or digits, starting with a letter.
    /// </summary>
    /// <value>The default value is <c>ProviderHealth</c>.</value>
    public string TableName { get; set; } = "ProviderHealth";

    /// <summary>
    /// Gets or sets how old the in-memory snapshot of every health row may get before a read refreshes it from the
    /// table in the background (the stale value is served meanwhile). This host's own writes update the snapshot at
    /// once; other instances' writes are seen within this interval. Zero disables the cache: every read goes to the
    /// table. Must be between 0 and 1 minute.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan CacheRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets how often success counters are flushed to the table. A success that changes nothing but
    /// counters (closed circuit, no failures in a row, no gate or probe) is counted in memory and written with one
    /// ETag-checked update per provider and model every interval, and on graceful shutdown; a killed process may
    /// lose at most one interval of success counts. Failures and successes that change state are always written at
    /// once. Zero writes every success at once. Must be between 0 and 1 minute.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan CounterFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Computes the circuit break for a trip, given how many trips happened before it in a row.</summary>
    /// <param name="previousTrips">Trips in a row before this one (0 for the first trip).</param>
    /// <returns><see cref="BreakDuration"/> for the first <see cref="ShortBreaks"/> trips, then doubled for each
    /// further one, capped at <see cref="MaxBreakDuration"/>.</returns>
    public TimeSpan BreakFor(int previousTrips) =>
        Grown(BreakDuration, previousTrips - (ShortBreaks - 1), MaxBreakDuration);

    /// <summary>Computes the cooldown for a rate limit without a retry time, given how many came before it in a row.</summary>
    /// <param name="previousLimits">Rate limits in a row before this one (0 for the first).</param>
    /// <returns><see cref="RateLimitCooldown"/> doubled <paramref name="previousLimits"/> times, capped at
    /// <see cref="MaxRateLimitCooldown"/>.</returns>
    public TimeSpan RateLimitCooldownFor(int previousLimits) =>
        Grown(RateLimitCooldown, previousLimits, MaxRateLimitCooldown);

    private static TimeSpan Grown(TimeSpan start, int doublings, TimeSpan cap)
    {
        var duration = start;
        for (var i = 0; i < doublings && duration < cap; i++)
        {
            duration += duration;
        }

        return duration < cap ? duration : cap;
    }
}
