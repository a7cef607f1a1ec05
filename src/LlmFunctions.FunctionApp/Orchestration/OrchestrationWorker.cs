using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// The control-queue poller of this host: receives messages while the <see cref="StepDispatcher"/> has free slots
/// (backing off to <see cref="OrchestrationOptions.MaxPollingInterval"/> when idle, woken at once when this host queues
/// work itself) and hands each to the dispatcher. Every host runs one; they compete for messages, so several hosts
/// share the work.
/// </summary>
internal sealed partial class OrchestrationWorker(
    InstanceStore store,
    WorkQueue queue,
    StepDispatcher dispatcher,
    OrchestrationSignal signal,
    IOptions<OrchestrationOptions> options,
    TimeProvider time,
    ILogger<OrchestrationWorker> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Creates the task hub's table, queues and container before the host answers requests: a start must
    /// never find its queue missing.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        await queue.InitializeAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var idle = TimeSpan.Zero;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wake = signal.Next;
                await dispatcher.WaitForSlotAsync(stoppingToken);
                var want = Math.Min(settings.BatchSize, dispatcher.FreeSlots + 1);
                IReadOnlyList<ReceivedWorkItem> messages;
                try
                {
                    messages = await queue.ReceiveAsync(want, settings.MessageVisibilityTimeout, stoppingToken);
                }
                catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException)
                {
                    LogPollFailed(logger, ex);
                    messages = [];
                }
                finally
                {
                    dispatcher.ReleaseSlot();
                }

                if (messages.Count == 0)
                {
                    idle = idle < MinPollingInterval ? MinPollingInterval : TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
                    await Task.WhenAny(wake, Task.Delay(idle, time, stoppingToken));
                    continue;
                }

                idle = TimeSpan.Zero;
                foreach (var message in messages)
                {
                    await dispatcher.WaitForSlotAsync(stoppingToken);
                    dispatcher.RunReceived(message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await dispatcher.DrainAsync();
    }

    [LoggerMessage(EventId = 6001, EventName = "ControlQueuePollFailed", Level = LogLevel.Warning, Message = "Polling the control queue failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
