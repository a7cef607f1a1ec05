using LlmFunctions.Health;

namespace LlmFunctions.Failover;

/// <summary>A provider the request passed over, and why. A skipped provider is done for that request, except after a
/// deferring skip (<see cref="IsDeferral"/>): then it is tried once more after every other provider.</summary>
/// <param name="Key">The provider and model.</param>
/// <param name="Reason">A human-readable reason.</param>
/// <param name="Kind">Why, as a category.</param>
/// <param name="Until">When the blocking state ends, when the skip is for a blocked provider.</param>
public sealed record SkipRecord(ProviderKey Key, string Reason, SkipKind Kind, DateTimeOffset? Until = null) : HistoryEntry
{
    /// <summary>Gets a value indicating whether the skip only moves the provider to the end of the request's order
    /// (suspect of hanging, or its queue on this instance full), instead of closing it.</summary>
    public bool IsDeferral => Kind is SkipKind.Suspect or SkipKind.Busy;

    /// <summary>Gets a value indicating whether the skip only blocks the provider for a while: health said disabled,
    /// cooling down, open or probed by another caller, or the provider answered this request 429 with a retry time.</summary>
    public bool IsTemporary =>
        Kind is SkipKind.Disabled or SkipKind.CoolingDown or SkipKind.CircuitOpen or SkipKind.ProbeInFlight
        || (Kind == SkipKind.RateLimitedLong && Until is not null);
}
