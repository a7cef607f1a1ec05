using LlmFunctions.Health;

namespace LlmFunctions.Failover;

/// <summary>A provider the request passed over, and why. A provider is skipped at most once per request, and a
/// skipped provider is done for that request.</summary>
/// <param name="Key">The provider and model.</param>
/// <param name="Reason">A human-readable reason.</param>
/// <param name="Kind">Why, as a category.</param>
/// <param name="Until">When the blocking state ends, when the skip is for a blocked provider.</param>
public sealed record SkipRecord(ProviderKey Key, string Reason, SkipKind Kind, DateTimeOffset? Until = null) : HistoryEntry
{
    /// <summary>Gets a value indicating whether the skip only blocks the provider for a while: health said disabled,
    /// cooling down, open or probed by another caller, or the provider answered this request 429 with a retry time.</summary>
    public bool IsTemporary =>
        Kind is SkipKind.Disabled or SkipKind.CoolingDown or SkipKind.CircuitOpen or SkipKind.ProbeInFlight
        || (Kind == SkipKind.RateLimitedLong && Until is not null);
}
