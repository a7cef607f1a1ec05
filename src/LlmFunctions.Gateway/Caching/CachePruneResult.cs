namespace LlmFunctions.Caching;

/// <summary>What one prune of the response cache did.</summary>
/// <param name="Expired">Entries deleted because they were past their keep time (or unreadable).</param>
/// <param name="Evicted">Entries still kept but deleted, oldest first, to bring the total under the size cap.</param>
/// <param name="BytesLeft">The total size of the entries left.</param>
public sealed record CachePruneResult(int Expired, int Evicted, long BytesLeft);
