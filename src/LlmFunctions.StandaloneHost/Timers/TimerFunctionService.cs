using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>
/// The timer trigger of one function, as the Functions timer listener behaves: at start a missed occurrence (the stored
/// status's next one is past) runs at once with <see cref="TimerInfo.IsPastDue"/>, else <c>RunOnStartup</c> runs it
/// once; then it waits for each occurrence on the injected clock and runs it on a single host. A failed lease or run is
/// logged and the next occurrence runs as scheduled.
/// </summary>
internal sealed partial class TimerFunctionService(
    TimerFunction function,
    BlobSingleton singleton,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<TimerFunctionService> logger) : BackgroundService
{
    // Task.Delay takes at most ~49 days; a yearly schedule waits in steps.
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(24);

    private enum Reason
    {
        Schedule,
        PastDue,
        RunOnStartup,
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, function.Name, function.Schedule.Expression, singleton.BlobName);
        var last = time.GetUtcNow();
        if (await PastDueAsync(stoppingToken).ConfigureAwait(false) is { } missed)
        {
            await RunOccurrenceAsync(missed, Reason.PastDue, stoppingToken).ConfigureAwait(false);
        }
        else if (function.RunOnStartup)
        {
            await RunOccurrenceAsync(last, Reason.RunOnStartup, stoppingToken).ConfigureAwait(false);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // From the later of now and the last occurrence: a timer that fires a hair early must not rerun it.
            var now = time.GetUtcNow();
            var next = function.Schedule.NextAfter(now > last ? now : last);
            try
            {
                while (now < next)
                {
                    var wait = next - now;
                    await Task.Delay(wait < MaxWait ? wait : MaxWait, time, stoppingToken).ConfigureAwait(false);
                    now = time.GetUtcNow();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            last = next;
            await RunOccurrenceAsync(next, Reason.Schedule, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one occurrence under the singleton lease; failures are logged, not thrown.</summary>
    private async Task<SingletonOutcome?> RunOccurrenceAsync(DateTimeOffset occurrence, Reason reason, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await singleton.TryRunAsync(
                occurrence,
                function.Schedule.NextAfter(reason == Reason.Schedule ? occurrence : time.GetUtcNow()),
                once: reason != Reason.RunOnStartup,
                (status, ct) => function.Invoker.InvokeAsync(scopes, TimerInfoFor(occurrence, status, reason == Reason.PastDue), ct),
                cancellationToken).ConfigureAwait(false);
            LogOccurrence(logger, function.Name, occurrence, reason, outcome);
            return outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, ex, function.Name, occurrence);
            return null;
        }
    }

    private TimerInfo TimerInfoFor(DateTimeOffset occurrence, StoredScheduleStatus? status, bool isPastDue) => new()
    {
        IsPastDue = isPastDue,

        // As Functions: no status without the monitor (UseMonitor = false, or more than one occurrence a minute).
        ScheduleStatus = function.UseMonitor
            ? new ScheduleStatus
            {
                Last = status?.Last.UtcDateTime ?? default,
                Next = occurrence.UtcDateTime,
                LastUpdated = status?.LastUpdated.UtcDateTime ?? default,
            }
            : null,
    };

    private async Task<DateTimeOffset?> PastDueAsync(CancellationToken cancellationToken)
    {
        if (!function.UseMonitor)
        {
            return null;
        }

        try
        {
            var status = await singleton.ReadStatusAsync(cancellationToken).ConfigureAwait(false);
            return status is not null && status.Next < time.GetUtcNow() ? status.Next : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStatusUnreadable(logger, ex, function.Name);
            return null;
        }
    }

    [LoggerMessage(EventId = 5001, EventName = "TimerStarted", Level = LogLevel.Information,
        Message = "Timer {Function} scheduled \"{Schedule}\" (UTC), single host through lock blob {LockBlob}")]
    private static partial void LogStarted(ILogger logger, string function, string schedule, string lockBlob);

    [LoggerMessage(EventId = 5002, EventName = "TimerOccurrence", Level = LogLevel.Debug,
        Message = "Timer {Function} occurrence {Occurrence} ({Reason}): {Outcome}")]
    private static partial void LogOccurrence(ILogger logger, string function, DateTimeOffset occurrence, Reason reason, SingletonOutcome outcome);

    [LoggerMessage(EventId = 5003, EventName = "TimerFailed", Level = LogLevel.Error,
        Message = "Timer {Function} occurrence {Occurrence} failed; the next occurrence runs as scheduled")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 5004, EventName = "TimerStatusUnreadable", Level = LogLevel.Warning,
        Message = "Timer {Function}: the schedule status could not be read, so a missed occurrence is not caught up")]
    private static partial void LogStatusUnreadable(ILogger logger, Exception exception, string function);
}
