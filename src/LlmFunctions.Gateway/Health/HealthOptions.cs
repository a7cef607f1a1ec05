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
    /// Gets or sets how long the first circuit break lasts. Each repeated trip without a closing success doubles it
    /// (60 s, 120 s, 240 s, …) up to <see cref="MaxBreakDuration"/>. Must be between 1 second and 1 day.
    /// </summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(60);

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
    /// Gets or sets how long a provider cools down after a rate limit (429) that carries no Retry-After.
    /// Must be between 1 second and 1 day.
    /// </summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan DefaultRateLimitCooldown { get; set; } = TimeSpan.FromHours(1);

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

    /// <summary>Computes the circuit break for a trip, given how many trips happened before it without a success.</summary>
    /// <param name="previousTrips">Trips in a row before this one (0 for the first trip).</param>
    /// <returns><see cref="BreakDuration"/> doubled <paramref name="previousTrips"/> times, capped at <see cref="MaxBreakDuration"/>.</returns>
    public TimeSpan BreakFor(int previousTrips)
    {
        var duration = BreakDuration;
        for (var i = 0; i < previousTrips && duration < MaxBreakDuration; i++)
        {
            duration += duration;
        }

        return duration < MaxBreakDuration ? duration : MaxBreakDuration;
    }
}
