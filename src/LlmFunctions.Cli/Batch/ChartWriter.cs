using System.Globalization;
using System.Net;
using System.Text;

namespace LlmFunctions.Cli.Batch;

/// <summary>Writes a self-contained HTML page (inline SVG, no scripts) charting a run's error rate and concurrency
/// over time.</summary>
public static class ChartWriter
{
    private const int Width = 900;
    private const int Height = 360;
    private const int Left = 60;
    private const int Right = 60;
    private const int Top = 30;
    private const int Bottom = 40;

    /// <summary>Writes the chart to <paramref name="path"/>, replacing it whole (written to a temporary file first).</summary>
    public static void Write(string path, IReadOnlyList<TimelinePoint> timeline, int maxConcurrency, string title)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, Html(timeline, maxConcurrency, title), Encoding.UTF8);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The page.</summary>
    public static string Html(IReadOnlyList<TimelinePoint> timeline, int maxConcurrency, string title)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var c = CultureInfo.InvariantCulture;
        var seconds = Math.Max(1, timeline.Count == 0 ? 1 : timeline[^1].Elapsed.TotalSeconds);
        var top = Math.Max(1, Math.Max(maxConcurrency, timeline.Count == 0 ? 1 : timeline.Max(p => p.Concurrency)));
        const int plotW = Width - Left - Right;
        const int plotH = Height - Top - Bottom;
        double X(TimeSpan t) => Left + (t.TotalSeconds / seconds * plotW);
        double YRate(double r) => Top + plotH - (r * plotH);
        double YConc(int n) => Top + plotH - ((double)n / top * plotH);

        // Steps, not slopes: the limit holds between changes.
        var rate = new StringBuilder();
        var concurrency = new StringBuilder();
        TimelinePoint? previous = null;
        foreach (var p in timeline)
        {
            if (previous is not null)
            {
                rate.Append(c, $"{X(p.Elapsed):0.#},{YRate(previous.ErrorRate):0.#} ");
                concurrency.Append(c, $"{X(p.Elapsed):0.#},{YConc(previous.Concurrency):0.#} ");
            }

            rate.Append(c, $"{X(p.Elapsed):0.#},{YRate(p.ErrorRate):0.#} ");
            concurrency.Append(c, $"{X(p.Elapsed):0.#},{YConc(p.Concurrency):0.#} ");
            previous = p;
        }

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

        svg.Append(c, $"""<polyline class="series" data-series="error rate" fill="none" stroke="#c0392b" stroke-width="2" points="{rate.ToString().TrimEnd()}"/>""").AppendLine();
        svg.Append(c, $"""<polyline class="series" data-series="concurrency" fill="none" stroke="#2471a3" stroke-width="2" points="{concurrency.ToString().TrimEnd()}"/>""").AppendLine();
        svg.Append(c, $"""<text x="{Left}" y="18" fill="#c0392b">— error rate (window, left axis)</text><text x="{Left + 260}" y="18" fill="#2471a3">— concurrency (right axis)</text>""").AppendLine();
        svg.Append(c, $"""<text x="{Left + (plotW / 2)}" y="{Height - 6}" text-anchor="middle">time since start</text>""").AppendLine();
        svg.Append("</svg>");

        var encoded = WebUtility.HtmlEncode(title);
        return $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{encoded}</title></head>
            <body style="font-family: sans-serif">
            <h1 style="font-size: 16px">{encoded}</h1>
            {svg}
            <p style="color: #666; font-size: 12px">{timeline.Count.ToString(c)} samples over {seconds.ToString("0.#", c)} s. Error rate is over the controller's sliding window of outcomes.</p>
            </body></html>

            """;
    }
}
