using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Orchestrator <c>PromptOrchestrator</c>: advances one instance from a control-queue message. It claims the
/// instance, restores its checkpoint, lets the failover runner decide and call providers (the
/// <c>AttemptProvider</c> activity: one call through the provider's Polly pipeline, its outcome applied to the
/// shared health) and commits a checkpoint with the new history rows before every further attempt. A wait becomes a durable
/// timer (a message with a visibility delay) and the step ends; a finish writes the output. Every commit is
/// ETag-checked and every message carries the instance's wake token, so a duplicated or replayed message changes
/// nothing.
/// </summary>
internal sealed partial class PromptOrchestrator(
    InstanceStore store,
    WorkQueue queue,
    PromptRunner runner,
    IOptions<OrchestrationOptions> options,
    TimeProvider time,
    ILogger<PromptOrchestrator> logger)
{
    public const string Name = InstanceRecord.PromptOrchestratorName;

    // A durable round blocked by another host's probe looks again after this long (a timer per look).
    private static readonly TimeSpan ProbeRecheck = TimeSpan.FromSeconds(1);

    // A timer message may surface a little before its instant (clock skew between hosts and the queue service).
    private static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(50);

    // Names this host's worker in claims and completion events (several hosts may share a process in tests).
    private readonly string _host = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Runs the step a message asks for; deletes or re-times the message. Throws when the step failed and the
    /// message should be retried.</summary>
    public async Task RunAsync(ReceivedWorkItem message, CancellationToken cancellationToken)
    {
        var item = message.Item;
        var record = await store.GetAsync(item.InstanceId, cancellationToken);
        if (record is null)
        {
            // A start message is sent before its instance is written. Under load the write can take seconds, so the
            // message is only dropped once no start could still be writing it (a purged instance's messages too).
            if (item.SentAt is { } sent && time.GetUtcNow() - sent < options.Value.MessageVisibilityTimeout)
            {
                await queue.HideAsync(message, TimeSpan.FromSeconds(Math.Min(30, 1 << (int)Math.Min(message.DequeueCount - 1, 5))), null, cancellationToken);
            }
            else
            {
                await queue.DeleteAsync(message, cancellationToken);
            }

            return;
        }

        if (record.WakeToken != item.Token || record.Status.IsTerminal() || record.Status == RuntimeStatus.Suspended)
        {
            LogStale(logger, item.InstanceId, record.Status);
            await queue.DeleteAsync(message, cancellationToken);
            return;
        }

        var now = time.GetUtcNow();
        if (record.WakeAt is { } wake && wake - now > EarlyTolerance)
        {
            await queue.HideAsync(message, wake - now, null, cancellationToken);
            return;
        }

        // Any live claim is another step's, even on this host: a message redelivered while its first step still runs.
        if (record.ClaimOwner is not null && record.ClaimUntil > now)
        {
            await queue.HideAsync(message, record.ClaimUntil.Value - now, null, cancellationToken);
            return;
        }

        var request = StoredState.DeserializeInput(record.Input);
        var state = StoredState.Restore(request, record.Checkpoint) ?? await runner.StartAsync(request, cancellationToken);
        var session = new Session(record, state.History.Count, NewOwner());
        var claimed = await CommitAsync(
            session,
            state,
            r => r with { Status = RuntimeStatus.Running, CustomStatus = PromptTelemetry.CustomStatus("running", state), WakeAt = null },
            record.WakeAt is { } fired ? [(HistoryEventTypes.TimerFired, PromptTelemetry.Serialize(new { fireAt = fired }))] : [],
            claim: true,
            cancellationToken);
        if (!claimed || session.Suspended)
        {
            await queue.DeleteAsync(message, cancellationToken);
            return;
        }

        await ContinueAsync(message, session, state, cancellationToken);
    }

    /// <summary>Gets a claim owner id for one step of this host.</summary>
    public string NewOwner() => $"{_host}/{Guid.NewGuid():N}";

    /// <summary>Runs the first step of an instance this host has just created already claimed by
    /// <paramref name="owner"/> (local dispatch: no queue hop, no re-read, no separate claim). The message is its
    /// recovery timer: if this host dies, it surfaces when the claim has lapsed and another host takes the step.</summary>
    public async Task RunStartedAsync(ReceivedWorkItem message, InstanceRecord record, string owner, CancellationToken cancellationToken)
    {
        var request = StoredState.DeserializeInput(record.Input);
        var state = await runner.StartAsync(request, cancellationToken);
        await ContinueAsync(message, new Session(record, 0, owner), state, cancellationToken);
    }

    private async Task ContinueAsync(ReceivedWorkItem message, Session session, FailoverState state, CancellationToken cancellationToken)
    {
        var item = message.Item;
        PromptRunStep step;
        try
        {
            step = await RunStepAsync(session, state, cancellationToken);
        }
        catch (InstanceLostException)
        {
            await queue.DeleteAsync(message, cancellationToken);
            return;
        }

        if (step.Finish is { Kind: FinishKind.Cancelled } && cancellationToken.IsCancellationRequested)
        {
            // The host is stopping, not the caller: leave the message for the next host.
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (step.Decision is WaitThenRetry wait)
        {
            var token = OrchestrationClient.NewToken();
            await queue.SendAsync(new WorkItem(item.InstanceId, token), wait.Until - time.GetUtcNow(), cancellationToken);
            await CommitAsync(
                session,
                step.State,
                r => r with { WakeToken = token, WakeAt = wait.Until, ClaimOwner = null, ClaimUntil = null, CustomStatus = PromptTelemetry.CustomStatus("waiting", step.State, wait) },
                [],
                claim: false,
                cancellationToken);
        }
        else if (FailoverRound.RetryAt(step.State, step.Finish!, time.GetUtcNow(), ProbeRecheck) is { } again)
        {
            // No answer yet, but a blocked provider frees up before the deadline: wait durably, then try it.
            var token = OrchestrationClient.NewToken();
            var next = FailoverRound.Next(step.State);
            await queue.SendAsync(new WorkItem(item.InstanceId, token), again - time.GetUtcNow(), cancellationToken);
            await CommitAsync(
                session,
                step.State,
                r => r with { WakeToken = token, WakeAt = again, ClaimOwner = null, ClaimUntil = null, CustomStatus = PromptTelemetry.CustomStatus("waiting", step.State) },
                [(HistoryEventTypes.TimerCreated, PromptTelemetry.Serialize(new { fireAt = again, reason = step.Finish!.Summary }))],
                claim: false,
                cancellationToken,
                checkpoint: next);
        }
        else
        {
            var finish = step.Finish!;
            var succeeded = finish.Kind == FinishKind.Succeeded;
            await CommitAsync(
                session,
                step.State,
                r => r with
                {
                    Status = succeeded ? RuntimeStatus.Completed : RuntimeStatus.Failed,
                    Output = PromptTelemetry.Output(step.State, finish, step.Completion),
                    CustomStatus = PromptTelemetry.CustomStatus(succeeded ? "completed" : "failed", step.State),
                    WakeToken = null,
                    WakeAt = null,
                    ClaimOwner = null,
                    ClaimUntil = null,
                },
                [(succeeded ? HistoryEventTypes.ExecutionCompleted : HistoryEventTypes.ExecutionFailed, PromptTelemetry.Serialize(new { status = finish.Kind.ToString(), summary = finish.Summary, worker = _host }))],
                claim: false,
                cancellationToken,
                evenIfSuspended: true);
            LogFinished(logger, item.InstanceId, finish.Kind);
        }

        await queue.DeleteAsync(message, cancellationToken);
    }

    private Task<PromptRunStep> RunStepAsync(Session session, FailoverState state, CancellationToken cancellationToken) =>
        runner.RunAsync(
            state,
            async (s, ct) =>
            {
                ct.ThrowIfCancellationRequested();
                if (s.History.Count == session.Committed)
                {
                    return;
                }

                var ours = await CommitAsync(session, s, r => r with { CustomStatus = PromptTelemetry.CustomStatus("running", s) }, [], claim: true, ct);
                if (!ours || session.Suspended)
                {
                    throw new InstanceLostException();
                }
            },
            cancellationToken);

    /// <summary>Fails the instance of a message that kept failing, and moves the message to the poison queue.</summary>
    public async Task FailPoisonedAsync(ReceivedWorkItem message, CancellationToken cancellationToken)
    {
        var item = message.Item;
        var failures = Math.Max(item.Failures, 1);
        var reason = $"the work item failed {failures} times and was moved to the poison queue; last error: {item.LastError ?? "none recorded (the host may have stopped while running it)"}";
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var record = await store.GetAsync(item.InstanceId, cancellationToken);
            if (record is null || record.WakeToken != item.Token || record.Status.IsTerminal())
            {
                break;
            }

            var now = time.GetUtcNow();
            var failed = record with
            {
                Status = RuntimeStatus.Failed,
                Output = PromptTelemetry.Serialize(new { status = "Failed", error = new { message = reason, code = "poison_message" } }),
                CustomStatus = PromptTelemetry.Serialize(new { phase = "failed" }),
                WakeToken = null,
                WakeAt = null,
                ClaimOwner = null,
                ClaimUntil = null,
                LastUpdatedTime = now,
                HistoryCount = record.HistoryCount + 1,
            };
            if (await store.TryCommitAsync(failed, [new HistoryEvent(record.HistoryCount, HistoryEventTypes.ExecutionFailed, now, PromptTelemetry.Serialize(new { reason }))], cancellationToken) is not null)
            {
                break;
            }
        }

        LogPoisoned(logger, item.InstanceId, failures, item.LastError);
        await queue.MoveToPoisonAsync(message, cancellationToken);
    }

    // Commits the state's new history and the change; on an ETag conflict re-reads and re-applies while the instance
    // is still this step's (same wake token, not finished, no other step's live claim). Returns false when it is not.
    private async Task<bool> CommitAsync(
        Session session,
        FailoverState state,
        Func<InstanceRecord, InstanceRecord> change,
        IReadOnlyList<(string Type, string? Data)> extra,
        bool claim,
        CancellationToken cancellationToken,
        bool evenIfSuspended = false,
        FailoverState? checkpoint = null)
    {
        var token = session.Record.WakeToken;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var now = time.GetUtcNow();
            var baseCount = session.Record.HistoryCount;
            var events = state.History.Skip(session.Committed)
                .Select((e, i) => PromptTelemetry.Event(baseCount + i, e, state, now))
                .ToList();
            events.AddRange(extra.Select((x, i) => new HistoryEvent(baseCount + events.Count + i, x.Type, now, x.Data)));

            var suspended = session.Record.Status == RuntimeStatus.Suspended;
            var next = change(session.Record) with
            {
                Checkpoint = StoredState.SerializeCheckpoint(checkpoint ?? state),
                LastUpdatedTime = now,
                HistoryCount = baseCount + events.Count,
                ClaimOwner = claim && !suspended ? session.Owner : null,
                ClaimUntil = claim && !suspended ? now + options.Value.MessageVisibilityTimeout : null,
            };
            if (suspended && !evenIfSuspended)
            {
                next = next with { Status = RuntimeStatus.Suspended };
            }

            if (await store.TryCommitAsync(next, events, cancellationToken) is { } saved)
            {
                session.Record = saved;
                session.Committed = (checkpoint ?? state).History.Count;
                session.Suspended = saved.Status == RuntimeStatus.Suspended;
                return true;
            }

            var latest = await store.GetAsync(session.Record.InstanceId, cancellationToken);
            var claimedByAnother = latest?.ClaimOwner is { } owner && owner != session.Owner && latest.ClaimUntil > time.GetUtcNow();
            if (latest is null || latest.Status.IsTerminal() || latest.WakeToken != token || claimedByAnother)
            {
                LogLost(logger, session.Record.InstanceId, latest?.Status);
                return false;
            }

            session.Record = latest;
        }

        throw new InvalidOperationException($"Instance '{session.Record.InstanceId}' kept changing under 50 attempts to checkpoint it.");
    }

    [LoggerMessage(EventId = 6101, EventName = "StaleWorkItem", Level = LogLevel.Debug, Message = "Work item for {InstanceId} is stale (instance {Status}); dropped")]
    private static partial void LogStale(ILogger logger, string instanceId, RuntimeStatus status);

    [LoggerMessage(EventId = 6102, EventName = "InstanceFinished", Level = LogLevel.Information, Message = "Instance {InstanceId} finished: {Kind}")]
    private static partial void LogFinished(ILogger logger, string instanceId, FinishKind kind);

    [LoggerMessage(EventId = 6103, EventName = "InstanceChangedUnderStep", Level = LogLevel.Information, Message = "Instance {InstanceId} changed under a running step (now {Status}); the step stops")]
    private static partial void LogLost(ILogger logger, string instanceId, RuntimeStatus? status);

    [LoggerMessage(EventId = 6104, EventName = "WorkItemPoisoned", Level = LogLevel.Error, Message = "Work item for {InstanceId} failed {Count} times and moved to the poison queue; the instance failed. Last error: {LastError}")]
    private static partial void LogPoisoned(ILogger logger, string instanceId, long count, string? lastError);

    private sealed class Session(InstanceRecord record, int committed, string owner)
    {
        public string Owner { get; } = owner;

        public InstanceRecord Record { get; set; } = record;

        public int Committed { get; set; } = committed;

        public bool Suspended { get; set; }
    }
}

/// <summary>The instance was terminated, suspended or taken over while a step ran; the step stops.</summary>
internal sealed class InstanceLostException : Exception
{
    public InstanceLostException()
        : base("The instance changed under the running step.")
    {
    }
}
