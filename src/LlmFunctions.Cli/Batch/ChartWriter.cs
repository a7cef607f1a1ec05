using System.Globalization;
using System.Net;
using System.Text;

namespace LlmFunctions.Cli.Batch;

/// <summary>What a chart shows: every record of the results file (earlier runs included) and this run's timeline.</summary>
/// <param name="Records">Every record in the results file, whichever run wrote it.</param>
/// <param name="RunStartedAt">When this run started (wall clock), which places <paramref name="Timeline"/>.</param>
/// <param name="Timeline">This run's concurrency limit over time; earlier runs' limits are not recorded.</param>
/// <param name="MaxConcurrency">The concurrency axis' top (at least).</param>
/// <param name="Window">How many of the latest recorded items the failed share is computed over.</param>
public sealed record ChartData(IReadOnlyList<ResultRecord> Records, DateTimeOffset RunStartedAt, IReadOnlyList<TimelinePoint> Timeline, int MaxConcurrency, int Window);

/// <summary>Writes a self-contained HTML page (inline SVG, no scripts) charting a whole run from its results: the share
/// of failed items, items in flight, this run's concurrency limit, and a mark for every failed item. Time when no item
/// was in flight (between an interrupted run and its resumption) is cut out and marked.</summary>
public static class ChartWriter
{
    /// <summary>What "failed" means on the chart, as the page says it.</summary>
    public const string FailedMeaning =
        "A failed item is one whose final outcome was a failure: its last HTTP status was not a success (400, 413 and other "
        + "4xx; 429, 503 or 408 once --retries ran out; 5xx), or no answer came at all (no connection, a timeout, an unreadable "
        + "answer). An answer that was back-pressure and sent again counts only by its final outcome.";

    private const int Width = 900;
    private const int Height = 360;
    private const int Left = 60;
    private const int Right = 60;
    private const int Top = 30;
    private const int Bottom = 40;

    /// <summary>Writes the chart to <paramref name="path"/>, replacing it whole (written to a temporary file first).</summary>
    public static void Write(string path, ChartData data, string title)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, Html(data, title), Encoding.UTF8);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The page.</summary>
    public static string Html(ChartData data, string title)
    {
        ArgumentNullException.ThrowIfNull(data);
        var c = CultureInfo.InvariantCulture;
        var records = data.Records.OrderBy(r => r.FinishedAt).ThenBy(r => r.Index).ToList();
        var runEnd = data.RunStartedAt + (data.Timeline.Count == 0 ? TimeSpan.Zero : data.Timeline[^1].Elapsed);
        var axis = ChartTimeAxis.From([.. records.Select(r => (r.StartedAt, r.FinishedAt)), (data.RunStartedAt, runEnd)]);
        var seconds = Math.Max(1, axis.Seconds);
        var inFlight = InFlight(records);
        var top = Math.Max(1, new[] { data.MaxConcurrency, data.Timeline.Count == 0 ? 0 : data.Timeline.Max(p => p.Concurrency), inFlight.Count == 0 ? 0 : inFlight.Max(p => p.Count) }.Max());
        const int plotW = Width - Left - Right;
        const int plotH = Height - Top - Bottom;
        double X(DateTimeOffset t) => Left + (axis.Offset(t) / seconds * plotW);
        double YRate(double r) => Top + plotH - (r * plotH);
        double YCount(int n) => Top + plotH - ((double)n / top * plotH);

        var failedShare = Steps(FailedShare(records, Math.Max(1, data.Window)).Select(p => (X(p.At), YRate(p.Share))));
        var flying = Steps(inFlight.Select(p => (X(p.At), YCount(p.Count))));
        var limit = Steps(data.Timeline.Select(p => (X(data.RunStartedAt + p.Elapsed), YCount(p.Concurrency))));

        var svg = new StringBuilder();
        svg.Append(c, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" font-family="sans-serif" font-size="12">""").AppendLine();
        svg.Append(c, $"""<rect x="{Left}" y="{Top}" width="{plotW}" height="{plotH}" fill="#fafafa" stroke="#ccc"/>""").AppendLine();
        for (var i = 0; i <= 4; i++)
        {
            var y = Top + plotH - (i * plotH / 4.0);
            svg.Append(c, $"""<line x1="{Left}" x2="{Left + plotW}" y1="{y:0.#}" y2="{y:0.#}" stroke="#eee"/><text x="{Left - 6}" y="{y + 4:0.#}" text-anchor="end" fill="#c0392b">{i * 25}%</text><text x="{Left + plotW + 6}" y="{y + 4:0.#}" fill="#2471a3">{top * i / 4.0:0.#}</text>""").AppendLine();
        }

        for (var i = 0; i <= 5; i++)
        {
            var x = Left + (i * plotW / 5.0);
            svg.Append(c, $"""<text x="{x:0.#}" y="{Top + plotH + 16}" text-anchor="middle">{seconds * i / 5:0.#} s</text>""").AppendLine();
        }

        foreach (var cut in axis.Cuts)
        {
            var x = Left + (cut / seconds * plotW);
            svg.Append(c, $"""<line class="cut" x1="{x:0.#}" x2="{x:0.#}" y1="{Top}" y2="{Top + plotH}" stroke="#999" stroke-dasharray="4 3"/>""").AppendLine();
        }

        svg.Append(c, $"""<polyline class="series" data-series="failed share" fill="none" stroke="#c0392b" stroke-width="2" points="{failedShare}"/>""").AppendLine();
        svg.Append(c, $"""<polyline class="series" data-series="in flight" fill="none" stroke="#2471a3" stroke-width="2" points="{flying}"/>""").AppendLine();
        svg.Append(c, $"""<polyline class="series" data-series="concurrency" fill="none" stroke="#2471a3" stroke-width="1" stroke-dasharray="6 3" points="{limit}"/>""").AppendLine();
        foreach (var failed in records.Where(r => !r.IsSuccess))
        {
            var x = X(failed.FinishedAt);
            svg.Append(c, $"""<line class="failed-item" data-index="{failed.Index}" data-status="{Status(failed)}" x1="{x:0.#}" x2="{x:0.#}" y1="{Top + plotH}" y2="{Top + plotH - 8}" stroke="#c0392b"/>""").AppendLine();
        }

        svg.Append(c, $"""<text x="{Left}" y="18" fill="#c0392b">— failed share of the last {data.Window} items (left axis; | a failed item)</text><text x="{Left + 380}" y="18" fill="#2471a3">— items in flight, - - this run's concurrency limit (right axis)</text>""").AppendLine();
        svg.Append(c, $"""<text x="{Left + (plotW / 2)}" y="{Height - 6}" text-anchor="middle">time with items in flight</text>""").AppendLine();
        svg.Append("</svg>");

        var failedItems = records.Where(r => !r.IsSuccess).ToList();
        var byStatus = failedItems.GroupBy(Status).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} ×{g.Count()}");
        var earlier = records.Count(r => r.FinishedAt < data.RunStartedAt);
        var encoded = WebUtility.HtmlEncode(title);
        return $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{encoded}</title></head>
            <body style="font-family: sans-serif">
            <h1 style="font-size: 16px">{encoded}</h1>
            {svg}
            <p class="totals" style="font-size: 13px">{records.Count.ToString(c)} items recorded: {(records.Count - failedItems.Count).ToString(c)} answered, <span style="color: #c0392b">{failedItems.Count.ToString(c)} failed</span>{(failedItems.Count > 0 ? " (by final HTTP status: " + string.Join(", ", byStatus) + ")" : "")}.</p>
            <p class="legend" style="color: #666; font-size: 12px">{WebUtility.HtmlEncode(FailedMeaning)} The whole run is shown: {earlier.ToString(c)} items recorded by earlier runs (read back from the results file) and {(records.Count - earlier).ToString(c)} by this one; dashed vertical lines mark time with no item in flight, cut out ({axis.Cuts.Count.ToString(c)} cuts). Items in flight include those waiting to be sent again. This run's concurrency limit only: earlier runs' limits are not recorded.</p>
            </body></html>

            """;
    }

    /// <summary>How a failed item's final status reads on the chart: its HTTP status, or "no answer".</summary>
    private static string Status(ResultRecord record) =>
        record.HttpStatus is { } status ? status.ToString(CultureInfo.InvariantCulture) : "no answer";

    /// <summary>Steps, not slopes: a value holds until the next one.</summary>
    private static string Steps(IEnumerable<(double X, double Y)> points)
    {
        var text = new StringBuilder();
        (double X, double Y)? previous = null;
        foreach (var p in points)
        {
            if (previous is { } q)
            {
                text.Append(CultureInfo.InvariantCulture, $"{p.X:0.#},{q.Y:0.#} ");
            }

            text.Append(CultureInfo.InvariantCulture, $"{p.X:0.#},{p.Y:0.#} ");
            previous = p;
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>The share of failed items among the last <paramref name="window"/> recorded, at each item's end.</summary>
    private static List<(DateTimeOffset At, double Share)> FailedShare(List<ResultRecord> byFinish, int window)
    {
        var points = new List<(DateTimeOffset, double)>();
        var latest = new Queue<bool>();
        var failed = 0;
        foreach (var record in byFinish)
        {
            latest.Enqueue(!record.IsSuccess);
            failed += record.IsSuccess ? 0 : 1;
            if (latest.Count > window && latest.Dequeue())
            {
                failed--;
            }

            points.Add((record.FinishedAt, (double)failed / latest.Count));
        }

        return points;
    }

    /// <summary>How many items were between their first send and their final answer, at each change.</summary>
    private static List<(DateTimeOffset At, int Count)> InFlight(List<ResultRecord> records)
    {
        var points = new List<(DateTimeOffset, int)>();
        var count = 0;
        foreach (var (at, change) in records.SelectMany(r => new[] { (r.StartedAt, 1), (r.FinishedAt, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2))
        {
            count += change;
            points.Add((at, count));
        }

        return points;
    }
}
