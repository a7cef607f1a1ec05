using System.Collections.Concurrent;
using LlmFunctions.FunctionApp.Functions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// Runs this host's orchestration steps, at most <see cref="OrchestrationOptions.MaxConcurrentSteps"/> at a time:
/// steps for messages the worker received, and first steps of instances this host has just started (local dispatch).
/// A step that throws is retried after a growing delay, its failure recorded in the message; a message that failed
/// <see cref="OrchestrationOptions.MaxDequeueCount"/> times goes to the poison queue and its instance fails.
/// </summary>
internal sealed partial class StepDispatcher(
    WorkQueue queue,
    PromptOrchestrator orchestrator,
    IOptions<OrchestrationOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<StepDispatcher> logger) : IDisposable
{
    private const int UnrecordedFailureMargin = 20;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentSteps, options.Value.MaxConcurrentSteps);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    /// <summary>Gets how many steps could start now.</summary>
    public int FreeSlots => _slots.CurrentCount;

    public Task WaitForSlotAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    /// <summary>Takes a slot if one is free at once (a start dispatches locally only then).</summary>
    public bool TryTakeSlot() => _slots.Wait(0);

    public void ReleaseSlot() => _slots.Release();

    /// <summary>Runs a received message's step in a slot already taken; the slot is released when it ends.</summary>
    public void RunReceived(ReceivedWorkItem message) =>
        Run(message, ct => orchestrator.RunAsync(message, ct));

    /// <summary>Runs the first step of an instance this host created, claimed, in a slot already taken.</summary>
    public void RunStarted(ReceivedWorkItem message, InstanceRecord record, string owner) =>
        Run(message, ct => orchestrator.RunStartedAsync(message, record, owner, ct));

    /// <summary>Waits for every running step (they stop early when the host is stopping).</summary>
    public Task DrainAsync() => Task.WhenAll(_inFlight.Keys);

    public void Dispose() => _slots.Dispose();

    private void Run(ReceivedWorkItem message, Func<CancellationToken, Task> step)
    {
        var task = Task.Run(() => ProcessAsync(message, step, lifetime.ApplicationStopping), CancellationToken.None);
        _inFlight[task] = 0;
        _ = task.ContinueWith(
            t =>
            {
                _inFlight.TryRemove(t, out _);
                _slots.Release();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    // Failed dequeues are counted in the message; a message that never gets to record its failure (it takes the host
    // down with it) is caught by the dequeue count, with a margin wide enough for chained timers and claim waits.
    private bool IsPoison(ReceivedWorkItem message) =>
        message.Item.Failures >= options.Value.MaxDequeueCount
        || message.DequeueCount > options.Value.MaxDequeueCount * UnrecordedFailureMargin;

    private async Task ProcessAsync(ReceivedWorkItem message, Func<CancellationToken, Task> step, CancellationToken stoppingToken)
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
                await step(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the message reappears when its visibility lapses and the instance's claim has run out.
        }
#pragma warning disable CA1031 // A failed step must never stop the host; the message is retried and, in the end, poisoned.
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

    [LoggerMessage(EventId = 6002, EventName = "StepFailed", Level = LogLevel.Warning, Message = "Step of {InstanceId} failed on dequeue {DequeueCount}; it will be retried")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, string instanceId, long dequeueCount);

    [LoggerMessage(EventId = 6003, EventName = "MalformedWorkItem", Level = LogLevel.Error, Message = "Message {MessageId} is not a work item ({Reason}); moved to the poison queue")]
    private static partial void LogMalformed(ILogger logger, string messageId, string? reason);
}
