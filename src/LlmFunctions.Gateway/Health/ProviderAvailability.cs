namespace LlmFunctions.Health;

/// <summary>What a caller may do with a provider right now.</summary>
public enum AvailabilityKind
{
    /// <summary>Call it.</summary>
    Available,

    /// <summary>Call it as the single recovery probe, after acquiring the probe lease.</summary>
    ProbeAvailable,

    /// <summary>Someone else is probing; skip it.</summary>
    ProbeInFlight,

    /// <summary>Circuit open; skip it until the break ends.</summary>
    CircuitOpen,

    /// <summary>Rate limited; skip it until the cooldown ends.</summary>
    CoolingDown,

    /// <summary>Permanently failing (auth, quota, not found) or disabled by an operator; skip it until the end.</summary>
    Disabled,
}

/// <summary>A provider's availability at one instant.</summary>
/// <param name="Kind">What a caller may do.</param>
/// <param name="Until">When a blocking state ends, if it is blocking.</param>
/// <param name="Reason">A human-readable reason.</param>
public sealed record ProviderAvailability(AvailabilityKind Kind, DateTimeOffset? Until, string Reason)
{
    /// <summary>Gets a value indicating whether a call may be made (possibly as a probe).</summary>
    public bool CanCall => Kind is AvailabilityKind.Available or AvailabilityKind.ProbeAvailable;
}
