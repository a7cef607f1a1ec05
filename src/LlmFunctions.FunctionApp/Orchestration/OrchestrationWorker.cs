using System.Collections.Concurrent;
using LlmFunctions.FunctionApp.Functions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// The dispatcher of this host: polls the control queue (backing off to <see cref="OrchestrationOptions.MaxPollingInterval"/>
/// when idle, woken at once by local starts) and runs up to <see cref="OrchestrationOptions.MaxConcurrentSteps"/>
/// steps at a time. Every host runs one; they compete for messages, so several hosts share the work. A step that
/// throws is retried after a growing delay; a message dequeued more than <see cref="OrchestrationOptions.MaxDequeueCount"/>
/// times goes to the poison queue and its instance fails.
/// </summary>
internal sealed partial class OrchestrationWorker(
    InstanceStore store,
    WorkQueue queue,
    PromptOrchestrator orchestrator,
    OrchestrationSignal signal,
    IOptions<OrchestrationOptions> options,
    TimeProvider time,
    ILogger<OrchestrationWorker> logger) : BackgroundService
{
    private const int UnrecordedFailureMargin = 20;
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(10);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

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
        using var slots = new SemaphoreSlim(settings.MaxConcurrentSteps, settings.MaxConcurrentSteps);
        var idle = TimeSpan.Zero;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wake = signal.Next;
                await slots.WaitAsync(stoppingToken);
                var want = Math.Min(settings.BatchSize, slots.CurrentCount + 1);
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
                    slots.Release();
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
                    await slots.WaitAsync(stoppingToken);
                    var task = Task.Run(() => ProcessAsync(message, stoppingToken), CancellationToken.None);
                    _inFlight[task] = 0;
                    _ = task.ContinueWith(
                        t =>
                        {
                            _inFlight.TryRemove(t, out _);
                            slots.Release();
                        },
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(_inFlight.Keys);
    }

    // Failed dequeues are counted in the message; a message that never gets to record its failure (it takes the host
    // down with it) is caught by the dequeue count, with a margin wide enough for chained timers and claim waits.
    private bool IsPoison(ReceivedWorkItem message) =>
        message.Item.Failures >= options.Value.MaxDequeueCount
        || message.DequeueCount > options.Value.MaxDequeueCount * UnrecordedFailureMargin;

    private async Task ProcessAsync(ReceivedWorkItem message, CancellationToken stoppingToken)
    {
        try
        {
            if (message.Item.InstanceId.Length == 0)
            {
                LogMalformed(logger, message.MessageId, message.Item.LastError);
                await queue.MoveToPoisonAsync(message, stoppingToken);
            }
            else if (IsPoison(message))
            {
                await orchestrator.FailPoisonedAsync(message, stoppingToken);
            }
            else
            {
                await orchestrator.RunAsync(message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the message reappears when its visibility lapses and the instance's claim has run out.
        }
#pragma warning disable CA1031 // A failed step must never stop the dispatcher; the message is retried and, in the end, poisoned.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogStepFailed(logger, ex, message.Item.InstanceId, message.DequeueCount);
            var delay = TimeSpan.FromTicks(Math.Min(options.Value.FailedStepRetryDelay.Ticks << Math.Min(message.Item.Failures, 10), TimeSpan.FromMinutes(1).Ticks));
            try
            {
                await queue.HideAsync(message, delay, $"{ex.GetType().Name}: {ex.Message}", CancellationToken.None);
            }
#pragma warning disable CA1031 // Best effort: if even this fails, the message reappears after its visibility timeout.
            catch (Exception hideFailure)
#pragma warning restore CA1031
            {
                LogStepFailed(logger, hideFailure, message.Item.InstanceId, message.DequeueCount);
            }
        }
    }

    [LoggerMessage(EventId = 6001, EventName = "ControlQueuePollFailed", Level = LogLevel.Warning, Message = "Polling the control queue failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6002, EventName = "StepFailed", Level = LogLevel.Warning, Message = "Step of {InstanceId} failed on dequeue {DequeueCount}; it will be retried")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, string instanceId, long dequeueCount);

    [LoggerMessage(EventId = 6003, EventName = "MalformedWorkItem", Level = LogLevel.Error, Message = "Message {MessageId} is not a work item ({Reason}); moved to the poison queue")]
    private static partial void LogMalformed(ILogger logger, string messageId, string? reason);
}
