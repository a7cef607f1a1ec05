namespace LlmFunctions.Cli.Batch;

/// <summary>Wall time mapped onto the chart with the stretches when nothing was in flight removed.</summary>
internal sealed class ChartTimeAxis
{
    private readonly List<(DateTimeOffset Start, DateTimeOffset End, double Offset)> _spans;

    private ChartTimeAxis(List<(DateTimeOffset, DateTimeOffset, double)> spans, double seconds)
    {
        _spans = spans;
        Seconds = seconds;
    }

    /// <summary>The chart's length in seconds: the spans' total.</summary>
    public double Seconds { get; }

    /// <summary>Where each removed stretch was, in chart seconds.</summary>
    public IReadOnlyList<double> Cuts => [.. _spans.Skip(1).Select(s => s.Offset)];

    public static ChartTimeAxis From(IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> intervals)
    {
        var spans = new List<(DateTimeOffset Start, DateTimeOffset End, double Offset)>();
        var offset = 0.0;
        foreach (var (start, end) in intervals.Select(i => (i.Start, End: i.End < i.Start ? i.Start : i.End)).OrderBy(i => i.Start))
        {
            if (spans.Count > 0 && start <= spans[^1].End)
            {
                var last = spans[^1];
                if (end > last.End)
                {
                    offset += (end - last.End).TotalSeconds;
                    spans[^1] = (last.Start, end, last.Offset);
                }

                continue;
            }

            spans.Add((start, end, offset));
            offset += (end - start).TotalSeconds;
        }

        return new ChartTimeAxis(spans, offset);
    }

    /// <summary>Chart seconds of a wall-clock instant (the end of the span before it, when it falls in a cut).</summary>
    public double Offset(DateTimeOffset t)
    {
        var span = _spans.LastOrDefault(s => s.Start <= t);
        return span == default ? 0 : span.Offset + (Min(t, span.End) - span.Start).TotalSeconds;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
