using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Tests.Batch;

/// <summary>Keeps what a run reported; <paramref name="onReport"/> sees every report (e.g. to stop the run).</summary>
internal sealed class RecordingProgress(Action<BatchProgress>? onReport = null) : IBatchProgress
{
    private readonly List<string> _notices = [];

    public BatchProgress? Last { get; private set; }

    public int MaxInFlight { get; private set; }

    /// <summary>The most items seen waiting to be sent again at once.</summary>
    public int MaxWaiting { get; private set; }

    /// <summary>Whether a gateway's Retry-After was seen holding new items back.</summary>
    public bool SawHeld { get; private set; }

    public IReadOnlyList<string> Notices
    {
        get
        {
            lock (_notices)
            {
                return [.. _notices];
            }
        }
    }

    public void Report(BatchProgress progress)
    {
        Last = progress;
        MaxInFlight = Math.Max(MaxInFlight, progress.InFlight);
        MaxWaiting = Math.Max(MaxWaiting, progress.Waiting);
        SawHeld |= progress.Held;
        onReport?.Invoke(progress);
    }

    public void Notice(string message)
    {
        lock (_notices)
        {
            _notices.Add(message);
        }
    }
}
