namespace LlmFunctions.Health;

/// <summary>The notable transition a health change made, beyond counters.</summary>
public enum HealthTransition
{
    /// <summary>No state or gate changed (counters or diagnostics may have).</summary>
    None,

    /// <summary>A closed circuit tripped: CLOSED to OPEN after the failure threshold.</summary>
    CircuitOpened,

    /// <summary>A half-open probe failed: HALF_OPEN to OPEN, with a grown break.</summary>
    CircuitReopened,

    /// <summary>A success closed the circuit and cleared every gate (from OPEN, HALF_OPEN, or an expired or live gate).</summary>
    CircuitClosed,

    /// <summary>A caller acquired the half-open probe lease.</summary>
    ProbeAcquired,

    /// <summary>An expired break, cooldown or disable was lifted: the next call is a single probe (HALF_OPEN).</summary>
    HalfOpened,

    /// <summary>A rate limit started or extended a cooldown.</summary>
    CooldownStarted,

    /// <summary>A permanent error or an operator disabled the provider.</summary>
    Disabled,

    /// <summary>An operator re-enabled the provider.</summary>
    Enabled,

    /// <summary>An operator reset the provider: closed, every gate cleared.</summary>
    Reset,
}

/// <summary>The result of one health transition: the value before, the value after and what happened.</summary>
/// <param name="Previous">The health before the transition.</param>
/// <param name="Current">The health after the transition.</param>
/// <param name="Transition">The notable transition, or <see cref="HealthTransition.None"/>.</param>
/// <param name="At">The instant the transition was computed for.</param>
public sealed record HealthChange(ProviderHealth Previous, ProviderHealth Current, HealthTransition Transition, DateTimeOffset At)
{
    /// <summary>Gets the provider and model.</summary>
    public ProviderKey Key => Current.Key;

    /// <summary>Gets the circuit state before the transition.</summary>
    public CircuitState FromCircuit => Previous.Circuit;

    /// <summary>Gets the circuit state after the transition.</summary>
    public CircuitState ToCircuit => Current.Circuit;

    /// <summary>Gets the availability before the transition, at <see cref="At"/>.</summary>
    public ProviderAvailability FromAvailability => Previous.AvailabilityAt(At);

    /// <summary>Gets the availability after the transition, at <see cref="At"/>.</summary>
    public ProviderAvailability ToAvailability => Current.AvailabilityAt(At);

    /// <summary>Gets a value indicating whether a closed circuit tripped open (CLOSED to OPEN).</summary>
    public bool IsTrip => Transition == HealthTransition.CircuitOpened;

    /// <summary>Gets a value indicating whether anything changed, so the value must be persisted.</summary>
    public bool HasChanges => Previous != Current;
}
