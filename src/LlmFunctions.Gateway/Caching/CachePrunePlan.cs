namespace LlmFunctions.Caching;

/// <summary>Which entries a prune deletes. Pure: the listing and the clock in, the decision out.</summary>
/// <param name="Expired">Entries past their keep time, and unreadable ones (no reader can serve them).</param>
/// <param name="Evicted">Kept entries to delete, oldest first, so the rest total at most the cap.</param>
/// <param name="BytesLeft">The total size of the entries neither expired nor evicted.</param>
internal sealed record CachePrunePlan(IReadOnlyList<CacheListing> Expired, IReadOnlyList<CacheListing> Evicted, long BytesLeft)
{
    /// <summary>Decides what to delete.</summary>
    /// <param name="entries">Every entry.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="maxTotalBytes">The cap on the total size of what is left.</param>
    /// <returns>The plan.</returns>
    public static CachePrunePlan Decide(IEnumerable<CacheListing> entries, DateTimeOffset now, long maxTotalBytes)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var expired = new List<CacheListing>();
        var kept = new List<CacheListing>();
        foreach (var entry in entries)
        {
            (entry.Metadata is null || entry.Metadata.IsExpiredAt(now) ? expired : kept).Add(entry);
        }

        var total = kept.Sum(e => e.Bytes);
        var evicted = new List<CacheListing>();
        // Oldest first; the name breaks ties so every run (and every test) decides the same way.
        foreach (var entry in kept.OrderBy(e => e.Metadata!.StoredAt).ThenBy(e => e.Name, StringComparer.Ordinal))
        {
            if (total <= maxTotalBytes)
            {
                break;
            }

            evicted.Add(entry);
            total -= entry.Bytes;
        }

        return new CachePrunePlan(expired, evicted, total);
    }
}
