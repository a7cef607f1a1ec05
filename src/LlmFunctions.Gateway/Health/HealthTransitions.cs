using System.Diagnostics.CodeAnalysis;
using LlmFunctions.Classification;

namespace LlmFunctions.Health;

/// <summary>
/// The provider health state machine, as pure functions: no I/O, the time is passed in. Each function returns the
/// new immutable <see cref="ProviderHealth"/> wrapped in a <see cref="HealthChange"/> that names the transition.
/// The store (<see cref="ProviderHealthStore"/>) applies these inside an optimistic-concurrency loop.
/// </summary>
public static class HealthTransitions
{
    /// <summary>The longest error excerpt kept in <see cref="ProviderHealth.LastError"/>.</summary>
    public const int MaxErrorLength = 256;

    /// <summary>Applies the outcome of one attempt to a provider's health.</summary>
    /// <param name="health">The current health.</param>
    /// <param name="outcome">The classified outcome of the attempt.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="options">The health settings.</param>
    /// <returns>The change; <see cref="HealthChange.HasChanges"/> is false when nothing needs persisting.</returns>
    public static HealthChange Apply(ProviderHealth health, AttemptOutcome outcome, DateTimeOffset now, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(options);

        // The window the provider reported is news whatever the outcome; it rules no gate, it only orders candidates.
        var change = ApplyOutcome(health, outcome, now, options);
        return outcome.Quota is { } quota ? change with { Current = change.Current with { Quota = quota } } : change;
    }

    private static HealthChange ApplyOutcome(ProviderHealth health, AttemptOutcome outcome, DateTimeOffset now, HealthOptions options)
    {

        switch (outcome.Class)
        {
            case ErrorClass.Success:
                return OnSuccess(health, outcome, now, options);

            case ErrorClass.Transient or ErrorClass.MalformedResponse or ErrorClass.Unexpected:
                return OnCircuitFailure(health, outcome, now, options);

            case ErrorClass.RateLimited:
            {
                // A limit met while the cooldown is live is a straggler of the same limit, not a repeat.
                var straggler = health.CooldownUntil is { } live && live > now;
                var streak = straggler ? Math.Max(1, health.RateLimitStreak) : health.RateLimitStreak + 1;
                var until = outcome.RetryAt ?? now + options.RateLimitCooldownFor(streak - 1);
                if (health.CooldownUntil is { } existing && existing > until)
                {
                    until = existing;
                }

                var next = Counted(health, outcome, now) with
                {
                    CooldownUntil = until,
                    CooldownReason = outcome.Reason,
                    RateLimitStreak = streak,
                };
                var transition = health.CooldownUntil != until ? HealthTransition.CooldownStarted : HealthTransition.None;
                return new(health, next, transition, now);
            }

            case ErrorClass.AuthFailed or ErrorClass.QuotaExhausted or ErrorClass.NotFound:
            {
                // A disable that ends later (an operator's, or an earlier one) is never shortened, nor its reason lost.
                var until = now + options.PermanentFailureCooldown;
                var keepsLonger = health.DisabledUntil is { } existing && existing >= until;
                var next = Counted(health, outcome, now) with
                {
                    DisabledUntil = keepsLonger ? health.DisabledUntil : until,
                    DisabledReason = keepsLonger ? health.DisabledReason : outcome.Reason,
                };
                return new(health, next, keepsLonger ? HealthTransition.None : HealthTransition.Disabled, now);
            }

            case ErrorClass.RequestRejected:
            {
                // The payload was refused, not the provider: never counted. A probe that ended this way learned
                // nothing, so its lease is released for the next caller.
                var next = ReleaseProbe(health) with { LastStatus = outcome.HttpStatus ?? health.LastStatus };
                return Unchanged(health, next, now);
            }

            case ErrorClass.Cancelled:
                return Unchanged(health, ReleaseProbe(health), now);

            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome.Class, "Unknown error class.");
        }
    }

    /// <summary>
    /// Tells whether a change touched nothing but counters and diagnostics (success and failure counts, last
    /// status, updated-at): no circuit, gate or probe changed. Such a success may be counted in memory and flushed
    /// later (see <see cref="AddSuccesses"/>).
    /// </summary>
    /// <param name="change">The change.</param>
    /// <returns>True when only counters changed.</returns>
    public static bool ChangesOnlyCounters(HealthChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var previous = change.Previous;
        return change.Transition == HealthTransition.None
            && change.Current with
            {
                SuccessCount = previous.SuccessCount,
                FailureCount = previous.FailureCount,
                LastStatus = previous.LastStatus,
                Quota = previous.Quota,
                UpdatedAt = previous.UpdatedAt,
            } == previous;
    }

    /// <summary>
    /// Adds successes that were counted in memory to the stored health. Only counters change: the successes were
    /// counted while the provider was steady, and whatever state another instance wrote since is later news, so it is
    /// kept (the last status too, unless the row is still steady).
    /// </summary>
    /// <param name="health">The current stored health.</param>
    /// <param name="count">How many successes to add.</param>
    /// <param name="lastStatus">The HTTP status of the last of them.</param>
    /// <param name="lastAt">When the last of them was counted.</param>
    /// <param name="quota">The window the last of them reported, if any; it replaces the stored one.</param>
    /// <returns>The change.</returns>
    public static HealthChange AddSuccesses(
        ProviderHealth health, long count, int? lastStatus, DateTimeOffset lastAt, Classification.RateLimitQuota? quota = null)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var steady = !health.NeedsProbe && health.ConsecutiveFailures == 0 && health.ProbeOwner is null;
        var next = health with
        {
            SuccessCount = health.SuccessCount + count,
            LastStatus = steady ? lastStatus ?? health.LastStatus : health.LastStatus,
            Quota = quota ?? health.Quota,
            UpdatedAt = health.UpdatedAt is { } updated && updated > lastAt ? updated : lastAt,
        };
        return new(health, next, HealthTransition.None, lastAt);
    }

    /// <summary>
    /// Tries to take the single half-open probe slot: allowed only when the availability at <paramref name="now"/>
    /// is <see cref="AvailabilityKind.ProbeAvailable"/> (a gate ended and no live lease exists).
    /// </summary>
    /// <param name="health">The current health.</param>
    /// <param name="owner">Who probes (host and request id); recorded in <see cref="ProviderHealth.ProbeOwner"/>.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="options">The health settings.</param>
    /// <param name="change">The change to persist when the probe was granted.</param>
    /// <param name="lease">How long the probe may take at most (the provider's attempt timeout and a margin); the lease
    /// is the shorter of this and <see cref="HealthOptions.ProbeLease"/>, so a crashed holder's lease lapses soon after
    /// its call would have timed out.</param>
    /// <returns>True when the caller may make the probe call.</returns>
    public static bool TryAcquireProbe(
        ProviderHealth health,
        string owner,
        DateTimeOffset now,
        HealthOptions options,
        [NotNullWhen(true)] out HealthChange? change,
        TimeSpan? lease = null)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(options);

        if (health.AvailabilityAt(now).Kind != AvailabilityKind.ProbeAvailable)
        {
            change = null;
            return false;
        }

        var next = health with
        {
            // An unknown provider's first call is single-flight but not a recovery: it keeps a closed circuit, so a
            // transient failure counts toward the threshold like any other instead of opening the circuit at once.
            Circuit = health.IsUnknown && health.Circuit == CircuitState.Closed ? CircuitState.Closed : CircuitState.HalfOpen,
            ProbeOwner = owner,
            ProbeLeaseUntil = now + (lease is { } l && l < options.ProbeLease ? l : options.ProbeLease),
            UpdatedAt = now,
        };
        change = new(health, next, HealthTransition.ProbeAcquired, now);
        return true;
    }

    /// <summary>
    /// Lifts gates that have ended, for the cooldown timer: an expired cooldown or disable is cleared and an expired
    /// break ends; the circuit becomes HALF_OPEN so recovery is tested by one probe, not a stampede. A live break is
    /// never shortened.
    /// </summary>
    /// <param name="health">The current health.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The change, or null when nothing has expired.</returns>
    public static HealthChange? ResetExpired(ProviderHealth health, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(health);

        var cooldownExpired = health.CooldownUntil is { } cooldown && cooldown <= now;
        var disableExpired = health.DisabledUntil is { } disabled && disabled <= now;
        var breakExpired = health.Circuit == CircuitState.Open && (health.OpenUntil is not { } open || open <= now);
        if (!cooldownExpired && !disableExpired && !breakExpired)
        {
            return null;
        }

        var breakLive = health.Circuit == CircuitState.Open && !breakExpired;
        var next = health with
        {
            CooldownUntil = cooldownExpired ? null : health.CooldownUntil,
            CooldownReason = cooldownExpired ? null : health.CooldownReason,
            DisabledUntil = disableExpired ? null : health.DisabledUntil,
            DisabledReason = disableExpired ? null : health.DisabledReason,
            Circuit = breakLive ? CircuitState.Open : CircuitState.HalfOpen,
            OpenUntil = breakLive ? health.OpenUntil : null,
            UpdatedAt = now,
        };
        return new(health, next, HealthTransition.HalfOpened, now);
    }

    /// <summary>Operator reset: the circuit closes and every gate is cleared; the totals are kept.</summary>
    /// <param name="health">The current health.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The change.</returns>
    public static HealthChange Reset(ProviderHealth health, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(health);
        var next = Closed(health, now) with { CooldownUntil = null, CooldownReason = null, RateLimitStreak = 0 };
        return new(health, next, HealthTransition.Reset, now);
    }

    /// <summary>Operator disable: the provider is skipped until <paramref name="until"/>.</summary>
    /// <param name="health">The current health.</param>
    /// <param name="until">When the disable ends.</param>
    /// <param name="reason">Why, for the dashboard and logs.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The change.</returns>
    public static HealthChange Disable(ProviderHealth health, DateTimeOffset until, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var next = health with { DisabledUntil = until, DisabledReason = reason, UpdatedAt = now };
        return new(health, next, HealthTransition.Disabled, now);
    }

    /// <summary>Operator enable: the disable is lifted and the circuit closes; a rate-limit cooldown is kept.</summary>
    /// <param name="health">The current health.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The change.</returns>
    public static HealthChange Enable(ProviderHealth health, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(health);
        return new(health, Closed(health, now), HealthTransition.Enabled, now);
    }

    private static HealthChange OnSuccess(ProviderHealth health, AttemptOutcome outcome, DateTimeOffset now, HealthOptions options)
    {
        // The provider answered: the circuit closes and ended gates are cleared. A live disable or cooldown stays: no
        // call is made through one, so this success is from a call already in flight when it began, and an operator's
        // disable or a provider's Retry-After outranks it (only its end, an enable or a reset lifts it). Its trips are
        // remembered until it has stayed closed for as long as its last break, so a provider that trips again soon
        // after gets a longer break, and one that kept working is back at the short one.
        var disableLive = health.DisabledUntil is { } disabled && disabled > now;
        var cooldownLive = health.CooldownUntil is { } cooldown && cooldown > now;
        var reopened = health.Circuit != CircuitState.Closed;
        var forgiven = !reopened && TripsForgiven(health, now, options);
        var next = Closed(health, now) with
        {
            DisabledUntil = disableLive ? health.DisabledUntil : null,
            DisabledReason = disableLive ? health.DisabledReason : null,
            CooldownUntil = cooldownLive ? health.CooldownUntil : null,
            CooldownReason = cooldownLive ? health.CooldownReason : null,
            RateLimitStreak = cooldownLive ? health.RateLimitStreak : 0,
            TripCount = forgiven ? 0 : health.TripCount,
            ClosedAt = reopened ? now : forgiven ? null : health.ClosedAt,
            SuccessCount = health.SuccessCount + 1,
            LastStatus = outcome.HttpStatus ?? health.LastStatus,
        };
        var transition = health.NeedsProbe ? HealthTransition.CircuitClosed : HealthTransition.None;
        return new(health, next, transition, now);
    }

    private static bool TripsForgiven(ProviderHealth health, DateTimeOffset now, HealthOptions options) =>
        health.TripCount == 0 || health.ClosedAt is not { } closedAt || now - closedAt >= options.BreakFor(health.TripCount - 1);

    private static HealthChange OnCircuitFailure(ProviderHealth health, AttemptOutcome outcome, DateTimeOffset now, HealthOptions options)
    {
        var counted = Counted(health, outcome, now) with { ConsecutiveFailures = health.ConsecutiveFailures + 1 };

        switch (health.Circuit)
        {
            case CircuitState.Closed:
                return counted.ConsecutiveFailures >= options.FailureThreshold
                    ? new(health, Trip(counted, now, options), HealthTransition.CircuitOpened, now)
                    : new(health, counted, HealthTransition.None, now);

            case CircuitState.HalfOpen:
                // The probe (or a straggler during the probe) failed: open again with a longer break.
                return new(health, Trip(counted, now, options), HealthTransition.CircuitReopened, now);

            case CircuitState.Open:
                // Already open: a late report from a call started before the trip. Count it, do not trip twice.
                return new(health, counted, HealthTransition.None, now);

            default:
                throw new ArgumentOutOfRangeException(nameof(health), health.Circuit, "Unknown circuit state.");
        }
    }

    private static ProviderHealth Trip(ProviderHealth health, DateTimeOffset now, HealthOptions options)
    {
        var previous = health.Circuit == CircuitState.Closed && TripsForgiven(health, now, options) ? 0 : health.TripCount;
        return health with
        {
            Circuit = CircuitState.Open,
            OpenUntil = now + options.BreakFor(previous),
            TripCount = previous + 1,
        };
    }

    private static ProviderHealth Counted(ProviderHealth health, AttemptOutcome outcome, DateTimeOffset now) =>
        ReleaseProbe(health) with
        {
            FailureCount = health.FailureCount + 1,
            FailedCallMs = health.FailedCallMs + (long)(outcome.Duration ?? TimeSpan.Zero).TotalMilliseconds,
            LastStatus = outcome.HttpStatus,
            LastErrorClass = outcome.Class.ToString(),
            LastError = Truncate(outcome.BodyExcerpt ?? outcome.Reason),
            UpdatedAt = now,
        };

    private static ProviderHealth Closed(ProviderHealth health, DateTimeOffset now) => ReleaseProbe(health) with
    {
        Circuit = CircuitState.Closed,
        OpenUntil = null,
        TripCount = 0,
        ClosedAt = null,
        ConsecutiveFailures = 0,
        DisabledUntil = null,
        DisabledReason = null,
        UpdatedAt = now,
    };

    private static ProviderHealth ReleaseProbe(ProviderHealth health) =>
        health.ProbeOwner is null && health.ProbeLeaseUntil is null
            ? health
            : health with { ProbeOwner = null, ProbeLeaseUntil = null };

    private static HealthChange Unchanged(ProviderHealth health, ProviderHealth next, DateTimeOffset now) =>
        next == health
            ? new(health, health, HealthTransition.None, now)
            : new(health, next with { UpdatedAt = now }, HealthTransition.None, now);

    private static string? Truncate(string? text) =>
        text is null || text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
}
