namespace LlmFunctions.Health;

/// <summary>
/// The shared health of one provider and model, as persisted in Table Storage. Immutable: transitions return a
/// new value (see <c>HealthTransitions</c>).
/// </summary>
public sealed record ProviderHealth
{
    /// <summary>Gets the provider and model this health belongs to.</summary>
    public required ProviderKey Key { get; init; }

    /// <summary>Gets the circuit state.</summary>
    public CircuitState Circuit { get; init; } = CircuitState.Closed;

    /// <summary>Gets when the current circuit break ends (meaningful while <see cref="CircuitState.Open"/>).</summary>
    public DateTimeOffset? OpenUntil { get; init; }

    /// <summary>Gets how many times the circuit tripped in a row without a closing success; the break grows with it.</summary>
    public int TripCount { get; init; }

    /// <summary>Gets when a success last closed the circuit after a trip; a circuit that stays closed for as long as its
    /// last break is forgiven its trips (see <see cref="HealthOptions.BreakFor"/>).</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>Gets how many rate limits ended a cooldown in a row without a success; a rate limit without a retry
    /// time cools the provider for longer with each (see <see cref="HealthOptions.RateLimitCooldownFor"/>).</summary>
    public int RateLimitStreak { get; init; }

    /// <summary>Gets the number of consecutive counted failures (Transient, MalformedResponse, Unexpected).</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Gets the instant until which the provider is disabled after a permanent error (401/402/403/404).</summary>
    public DateTimeOffset? DisabledUntil { get; init; }

    /// <summary>Gets why the provider was disabled.</summary>
    public string? DisabledReason { get; init; }

    /// <summary>Gets the instant until which the provider cools down after a rate limit.</summary>
    public DateTimeOffset? CooldownUntil { get; init; }

    /// <summary>Gets why the provider is cooling down.</summary>
    public string? CooldownReason { get; init; }

    /// <summary>Gets who holds the half-open probe, if anyone.</summary>
    public string? ProbeOwner { get; init; }

    /// <summary>Gets when the half-open probe lease expires; after it another caller may probe.</summary>
    public DateTimeOffset? ProbeLeaseUntil { get; init; }

    /// <summary>Gets the last HTTP status seen, if any.</summary>
    public int? LastStatus { get; init; }

    /// <summary>Gets the last error class seen, as text.</summary>
    public string? LastErrorClass { get; init; }

    /// <summary>Gets a redacted excerpt of the last error.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets the total number of successful calls.</summary>
    public long SuccessCount { get; init; }

    /// <summary>Gets the total number of failed calls (every class but Success, RequestRejected and Cancelled).</summary>
    public long FailureCount { get; init; }

    /// <summary>Gets the total time, in milliseconds, spent in calls that failed (every class counted in
    /// <see cref="FailureCount"/>): what callers paid for a provider that could not answer.</summary>
    public long FailedCallMs { get; init; }

    /// <summary>Gets what the provider's <c>x-ratelimit-*</c> headers last said about its window (remaining requests and
    /// tokens, reset instants), for quota-aware spreading; null until it sends them.</summary>
    public LlmFunctions.Classification.RateLimitQuota? Quota { get; init; }

    /// <summary>Gets when this health last changed.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Creates the health of a provider never seen before: closed, no counters.</summary>
    /// <param name="key">The provider and model.</param>
    /// <returns>A fresh health value.</returns>
    public static ProviderHealth New(ProviderKey key) => new() { Key = key };

    /// <summary>
    /// Gets a value indicating whether nothing is known about this provider yet: no call to it ever had a counted
    /// outcome. Its first call is a probe (one caller at a time); a lease taken or released leaves it unknown, so a
    /// cancelled or rejected first call hands the probe to the next caller.
    /// </summary>
    public bool IsUnknown => SuccessCount == 0 && FailureCount == 0;

    /// <summary>
    /// Gets whether the next call must be a probe: the provider is unknown, the circuit is open or half-open, or a
    /// cooldown or disable has expired without a success since. Recovery, and a provider's first call, is tested by
    /// one call, not a stampede.
    /// </summary>
    public bool NeedsProbe =>
        IsUnknown || Circuit != CircuitState.Closed || CooldownUntil is not null || DisabledUntil is not null;

    /// <summary>Computes what a caller may do with this provider at <paramref name="now"/>.</summary>
    /// <param name="now">The current instant.</param>
    /// <returns>The availability.</returns>
    public ProviderAvailability AvailabilityAt(DateTimeOffset now)
    {
        if (DisabledUntil is { } disabled && disabled > now)
        {
            return new(AvailabilityKind.Disabled, disabled, DisabledReason ?? "disabled");
        }

        if (CooldownUntil is { } cooldown && cooldown > now)
        {
            return new(AvailabilityKind.CoolingDown, cooldown, CooldownReason ?? "cooling down");
        }

        if (Circuit == CircuitState.Open && OpenUntil is { } open && open > now)
        {
            return new(AvailabilityKind.CircuitOpen, open, $"circuit open after {ConsecutiveFailures} consecutive failures");
        }

        if (!NeedsProbe)
        {
            return new(AvailabilityKind.Available, null, "available");
        }

        return ProbeLeaseUntil is { } lease && lease > now
            ? new(AvailabilityKind.ProbeInFlight, lease, "a recovery probe is in flight")
            : new(AvailabilityKind.ProbeAvailable, null, "recovering: the next call is a probe");
    }
}
