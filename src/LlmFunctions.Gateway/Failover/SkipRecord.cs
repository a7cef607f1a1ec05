using LlmFunctions.Health;

namespace LlmFunctions.Failover;

/// <summary>A provider the request passed over, and why. A provider is skipped at most once per request, and a
/// skipped provider is done for that request.</summary>
/// <param name="Key">The provider and model.</param>
/// <param name="Reason">A human-readable reason.</param>
/// <param name="Kind">Why, as a category.</param>
/// <param name="Until">When the blocking state ends, when the skip is for a blocked provider.</param>
public sealed record SkipRecord(ProviderKey Key, string Reason, SkipKind Kind, DateTimeOffset? Until = null) : HistoryEntry;
