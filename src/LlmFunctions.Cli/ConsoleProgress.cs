using System.Globalization;
using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Cli;

/// <summary>The live progress line. On a terminal it is redrawn in place a few times a second; when redirected a line
/// is written every few seconds instead, so logs stay readable. Without <paramref name="showProgress"/> only notices
/// are written.</summary>
internal sealed class ConsoleProgress(TextWriter writer, bool interactive, TimeProvider time, bool showProgress = true) : IBatchProgress
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _every = interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
    private long _last = long.MinValue;
    private BatchProgress? _latest;
    private bool _lineOpen;

    public void Report(BatchProgress progress)
    {
        if (!showProgress)
        {
            return;
        }

        lock (_gate)
        {
            _latest = progress;
            var now = time.GetTimestamp();
            if (_last != long.MinValue && time.GetElapsedTime(_last, now) < _every)
            {
                return;
            }

            _last = now;
            Draw(progress);
        }
    }

    public void Notice(string message)
    {
        lock (_gate)
        {
            Clear();
            writer.WriteLine(message);
            if (_latest is not null)
            {
                Draw(_latest);
            }
        }
    }

    /// <summary>Draws the latest state and ends the line, so what follows starts on its own.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_latest is not null)
            {
                Draw(_latest);
            }

            if (_lineOpen)
            {
                writer.WriteLine();
                _lineOpen = false;
            }
        }
    }

    public static string Format(BatchProgress p)
    {
        var c = CultureInfo.InvariantCulture;
        var eta = p.Eta is { } e ? e.ToString(e.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", c) : "?";
        var state = p.Stopping ? "  [stopping]" : p.Held ? "  [held: gateway said retry after]" : p.Paused ? "  [paused]" : "";
        var waiting = p.Waiting > 0 ? string.Create(c, $"  waiting to retry {p.Waiting}") : "";
        return string.Create(c, $"done {p.Done}/{p.Total}  failed {p.Failed}  in flight {p.InFlight}{waiting}  concurrency {p.Concurrency}  error rate {p.ErrorRate * 100:0}%  ETA {eta}{state}");
    }

    private void Draw(BatchProgress progress)
    {
        if (interactive)
        {
            writer.Write("\r\u001b[2K" + Format(progress));
            _lineOpen = true;
        }
        else
        {
            writer.WriteLine(Format(progress));
        }

        writer.Flush();
    }

    private void Clear()
    {
        if (_lineOpen)
        {
            writer.Write("\r\u001b[2K");
            _lineOpen = false;
        }
    }
}
