namespace LlmFunctions.Cli.Batch;

/// <summary>Where a run stands.</summary>
/// <param name="Total">Items in the input that can be sent.</param>
/// <param name="Skipped">Items already recorded when the run started.</param>
/// <param name="Succeeded">Items answered, this run and before.</param>
/// <param name="Failed">Items failed, this run and before.</param>
/// <param name="InFlight">Items being sent now.</param>
/// <param name="Waiting">Items whose answer was back-pressure, waiting to be sent again.</param>
/// <param name="Concurrency">The current concurrency limit.</param>
/// <param name="ErrorRate">The error rate over the controller's window.</param>
/// <param name="Paused">Whether the controller's pause holds new items back.</param>
/// <param name="Held">Whether a gateway's Retry-After (every provider cooling down) holds new items back.</param>
/// <param name="Stopping">Whether a stop was asked for and in-flight items are being finished.</param>
/// <param name="Elapsed">Time since this run started.</param>
/// <param name="Eta">Estimated time to the end at this run's pace; null until something finished.</param>
public sealed record BatchProgress(
    int Total, int Skipped, int Succeeded, int Failed, int InFlight, int Waiting, int Concurrency, double ErrorRate, bool Paused, bool Held, bool Stopping, TimeSpan Elapsed, TimeSpan? Eta)
{
    /// <summary>Items recorded.</summary>
    public int Done => Succeeded + Failed;
}

/// <summary>One point of the run's timeline (for the chart).</summary>
/// <param name="Elapsed">Time since this run started.</param>
/// <param name="Concurrency">The concurrency limit.</param>
/// <param name="ErrorRate">The windowed error rate.</param>
/// <param name="InFlight">Items in flight.</param>
public sealed record TimelinePoint(TimeSpan Elapsed, int Concurrency, double ErrorRate, int InFlight);

/// <summary>Receives progress. Called from the runner's threads, one call at a time; must not block.</summary>
public interface IBatchProgress
{
    /// <summary>An item started or finished, or the limit changed.</summary>
    void Report(BatchProgress progress);

    /// <summary>A one-line event worth showing (a pause, a stop).</summary>
    void Notice(string message);
}

/// <summary>A progress sink that does nothing.</summary>
public sealed class NoProgress : IBatchProgress
{
    /// <summary>The one instance.</summary>
    public static readonly NoProgress Instance = new();

    /// <inheritdoc/>
    public void Report(BatchProgress progress)
    {
    }

    /// <inheritdoc/>
    public void Notice(string message)
    {
    }
}

/// <summary>What a run did.</summary>
/// <param name="Records">Every record in the results file at the end, first per index, ordered by index.</param>
/// <param name="Skipped">Items already recorded at the start.</param>
/// <param name="Sent">Items recorded by this run.</param>
/// <param name="Abandoned">Items in flight when the stop grace ran out: not recorded, a rerun sends them again.</param>
/// <param name="WaitingAtStop">Items waiting to be sent again (after back-pressure) when the run stopped: not recorded,
/// a rerun sends them again.</param>
/// <param name="Stopped">Whether the run was stopped before every item was recorded.</param>
/// <param name="TornLineRemoved">Whether the results file had a partial last line that was cut off.</param>
/// <param name="Timeline">Concurrency and error rate over this run.</param>
/// <param name="StartedAt">When this run started (wall clock): where <paramref name="Timeline"/>'s elapsed times count from.</param>
public sealed record BatchRunResult(
    IReadOnlyList<ResultRecord> Records, int Skipped, int Sent, int Abandoned, int WaitingAtStop, bool Stopped, bool TornLineRemoved, IReadOnlyList<TimelinePoint> Timeline,
    DateTimeOffset StartedAt);
