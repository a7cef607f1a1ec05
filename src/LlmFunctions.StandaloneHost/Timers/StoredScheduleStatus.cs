using System.Globalization;

namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>
/// The schedule status kept on a timer's lock blob (as the Functions schedule monitor keeps its status blob): the last
/// occurrence run, the next one due, and when the status was written. Times are UTC.
/// </summary>
/// <param name="Last">The last occurrence run.</param>
/// <param name="Next">The next occurrence due after it.</param>
/// <param name="LastUpdated">When a host wrote this.</param>
internal sealed record StoredScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated)
{
    private const string LastKey = "last";
    private const string NextKey = "next";
    private const string UpdatedKey = "lastupdated";

    public static StoredScheduleStatus? From(IDictionary<string, string> metadata) =>
        Read(metadata, LastKey) is { } last && Read(metadata, NextKey) is { } next && Read(metadata, UpdatedKey) is { } updated
            ? new StoredScheduleStatus(last, next, updated)
            : null;

    public Dictionary<string, string> ToMetadata() => new(StringComparer.OrdinalIgnoreCase)
    {
        [LastKey] = Last.UtcTicks.ToString(CultureInfo.InvariantCulture),
        [NextKey] = Next.UtcTicks.ToString(CultureInfo.InvariantCulture),
        [UpdatedKey] = LastUpdated.UtcTicks.ToString(CultureInfo.InvariantCulture),
    };

    private static DateTimeOffset? Read(IDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : null;
}
