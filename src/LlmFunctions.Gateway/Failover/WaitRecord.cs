using LlmFunctions.Health;

namespace LlmFunctions.Failover;

/// <summary>A wait the request committed to before retrying a provider. The driver records it when it starts the
/// wait, so asking again at <paramref name="Until"/> yields the retry rather than a newly jittered wait.</summary>
/// <param name="Key">The provider to retry.</param>
/// <param name="Until">When the retry is due.</param>
/// <param name="Delay">The wait's length as decided.</param>
/// <param name="Reason">Why the wait (e.g. "backoff after attempt 1: HTTP 503").</param>
public sealed record WaitRecord(ProviderKey Key, DateTimeOffset Until, TimeSpan Delay, string Reason) : HistoryEntry;
