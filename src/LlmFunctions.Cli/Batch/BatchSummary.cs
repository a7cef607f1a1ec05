using System.Globalization;
using System.Text;

namespace LlmFunctions.Cli.Batch;

/// <summary>The numbers of a finished (or stopped) run, computed from its results.</summary>
/// <param name="Items">Items in the input that can be sent.</param>
/// <param name="Recorded">Items recorded.</param>
/// <param name="Succeeded">Items answered.</param>
/// <param name="Failed">Items failed.</param>
/// <param name="InputErrors">Bad input records (never sent).</param>
/// <param name="FallbackUsed">Answered items a fallback provider answered.</param>
/// <param name="Truncated">Items whose prompt the gateway truncated.</param>
/// <param name="Retried">Items sent more than once (their first answers were back-pressure).</param>
/// <param name="Retries">Requests beyond each item's first, over all items.</param>
/// <param name="ByProvider">Answered items per provider, most first (answers from the cache or configured text, which
/// no provider gave for this request, are not counted).</param>
/// <param name="ErrorClasses">Failed items per error class, most first.</param>
/// <param name="Latency">Percentiles of the answered items' duration_ms: p50, p90, p95, p99, max.</param>
/// <param name="FailedCallMs">Milliseconds spent in the gateway's failed calls per provider, over all items, most first.</param>
/// <param name="ByStrategy">Answered items per strategy (the gateway step that served them: provider, tier, simplified,
/// cache, degraded, preset), most first; answers from gateways that name none count as provider.</param>
/// <param name="StaleFromCache">Answered items served stale from the cache (stale-if-error).</param>
public sealed record BatchSummary(
    int Items, int Recorded, int Succeeded, int Failed, int InputErrors, int FallbackUsed, int Truncated, int Retried, int Retries,
    IReadOnlyList<KeyValuePair<string, int>> ByProvider, IReadOnlyList<KeyValuePair<string, int>> ErrorClasses, IReadOnlyDictionary<string, long> Latency,
    IReadOnlyList<KeyValuePair<string, long>> FailedCallMs, IReadOnlyList<KeyValuePair<string, int>> ByStrategy, int StaleFromCache)
{
    /// <summary>Milliseconds spent in failed calls, over all providers and items.</summary>
    public long TotalFailedCallMs => FailedCallMs.Sum(p => p.Value);

    /// <summary>Answered items as a share of recorded ones (0 when none is).</summary>
    public double SuccessRate => Recorded == 0 ? 0 : (double)Succeeded / Recorded;

    /// <summary>Computes the summary of the records of a run with <paramref name="items"/> sendable items.</summary>
    public static BatchSummary From(IReadOnlyCollection<ResultRecord> records, int items, int inputErrors = 0)
    {
        ArgumentNullException.ThrowIfNull(records);
        var ok = records.Where(r => r.IsSuccess).ToList();
        var failed = records.Where(r => !r.IsSuccess).ToList();
        var durations = ok.Select(r => r.DurationMs).Order().ToList();
        var latency = new Dictionary<string, long>(StringComparer.Ordinal);
        if (durations.Count > 0)
        {
            foreach (var p in new[] { 50, 90, 95, 99 })
            {
                latency["p" + p.ToString(CultureInfo.InvariantCulture)] = Percentile(durations, p);
            }

            latency["max"] = durations[^1];
        }

        return new BatchSummary(
            items,
            records.Count,
            ok.Count,
            failed.Count,
            inputErrors,
            ok.Count(r => r.FallbackUsed),
            records.Count(r => r.Truncated),
            records.Count(r => r.Tries > 1),
            records.Sum(r => Math.Max(0, r.Tries - 1)),
            Count(ok.Where(r => r.Provider is not null || r.AnsweredBy is ResultRecord.ProviderStrategy or "tier" or "simplified").Select(r => r.Provider ?? "(unknown)")),
            Count(failed.Select(r => r.ErrorClass ?? "(unknown)")),
            latency,
            [.. records.SelectMany(r => r.FailedCallMs ?? new Dictionary<string, long>())
                .GroupBy(p => p.Key, StringComparer.Ordinal)
                .Select(g => KeyValuePair.Create(g.Key, g.Sum(p => p.Value)))
                .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)],
            Count(ok.Select(r => r.AnsweredBy!)),
            ok.Count(r => r.CacheStale == true));
    }

    /// <summary>Nearest-rank percentile of sorted values: the smallest value with at least p% of values at or below it.</summary>
    public static long Percentile(IReadOnlyList<long> sorted, int p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>The summary as the command prints it.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"items:        {Items} ({Recorded} recorded, {Items - Math.Min(Items, Recorded)} not yet){(InputErrors > 0 ? $"; {InputErrors} bad input records skipped" : "")}");
        text.AppendLine(c, $"succeeded:    {Succeeded} ({SuccessRate * 100:0.0}%)   failed: {Failed}   fallback used: {FallbackUsed}   truncated: {Truncated}");
        if (Retried > 0)
        {
            text.AppendLine(c, $"retried:      {Retried} items needed retries, {Retries} retries in all");
        }

        if (Latency.Count > 0)
        {
            text.AppendLine(c, $"latency (ms): {string.Join("  ", Latency.Select(l => $"{l.Key} {l.Value}"))}");
        }

        if (ByStrategy.Count > 0)
        {
            text.AppendLine(c, $"answered by:  {string.Join(", ", ByStrategy.Select(p => $"{p.Key} {p.Value}" + (p.Key == "cache" && StaleFromCache > 0 ? $" ({StaleFromCache} stale)" : "")))}");
        }

        if (ByProvider.Count > 0)
        {
            text.AppendLine(c, $"providers:    {string.Join(", ", ByProvider.Select(p => $"{p.Key} {p.Value}"))}");
        }

        if (FailedCallMs.Count > 0)
        {
            var perItem = Recorded == 0 ? 0 : TotalFailedCallMs / 1000.0 / Recorded;
            text.AppendLine(c, $"failed calls: {TotalFailedCallMs / 1000.0:0.0} s ({perItem:0.00} s per item): {string.Join(", ", FailedCallMs.Select(p => $"{p.Key} {p.Value / 1000.0:0.0} s"))}");
        }

        if (ErrorClasses.Count > 0)
        {
            text.AppendLine(c, $"errors:       {string.Join(", ", ErrorClasses.Select(p => $"{p.Key} {p.Value}"))}");
        }

        return text.ToString();
    }

    private static List<KeyValuePair<string, int>> Count(IEnumerable<string> keys) =>
        [.. keys.GroupBy(k => k, StringComparer.Ordinal).Select(g => KeyValuePair.Create(g.Key, g.Count())).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)];
}
