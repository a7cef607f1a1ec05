namespace LlmFunctions.FunctionApp.Functions.Timers;

/// <summary>
/// The timer trigger of one function: waits for each occurrence of its schedule on the injected clock, then runs the
/// function on a single instance. A failed run is logged and the loop goes on to the next occurrence.
/// </summary>
internal sealed partial class TimerTriggerService(
    string name,
    TimerSchedule schedule,
    BlobSingleton singleton,
    Func<CancellationToken, Task> run,
    TimeProvider time,
    ILogger<TimerTriggerService> logger) : BackgroundService
{
    /// <summary>Runs one occurrence under the singleton lease; failures are logged, not thrown.</summary>
    internal async Task<SingletonOutcome?> RunOccurrenceAsync(DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await singleton.TryRunAsync(occurrence, run, cancellationToken);
            LogOccurrence(logger, name, occurrence, outcome);
            return outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, ex, name, occurrence);
            return null;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, name, schedule.Expression);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = schedule.NextAfter(now);
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            await RunOccurrenceAsync(next, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 5001, EventName = "TimerStarted", Level = LogLevel.Information,
        Message = "Timer {Function} scheduled \"{Schedule}\"")]
    private static partial void LogStarted(ILogger logger, string function, string schedule);

    [LoggerMessage(EventId = 5002, EventName = "TimerOccurrence", Level = LogLevel.Debug,
        Message = "Timer {Function} occurrence {Occurrence}: {Outcome}")]
    private static partial void LogOccurrence(ILogger logger, string function, DateTimeOffset occurrence, SingletonOutcome outcome);

    [LoggerMessage(EventId = 5003, EventName = "TimerFailed", Level = LogLevel.Error,
        Message = "Timer {Function} occurrence {Occurrence} failed; the next occurrence runs as scheduled")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function, DateTimeOffset occurrence);
}
