using LlmFunctions.Failover;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>What a management operation did.</summary>
internal enum ManagementResult
{
    /// <summary>Done (or nothing to do).</summary>
    Accepted,

    /// <summary>No such instance.</summary>
    NotFound,

    /// <summary>The instance has already finished.</summary>
    Gone,

    /// <summary>The operation does not apply in the instance's state (e.g. purging a running instance).</summary>
    Conflict,
}

/// <summary>
/// Starts and manages prompt orchestration instances (Durable's orchestration client). Every change is an
/// ETag-checked read-modify-write with its history row; a message that starts or wakes a step is sent before the
/// change that makes it valid (its token), so a crash in between leaves only a stale message, never a stuck instance.
/// </summary>
internal sealed class OrchestrationClient(
    InstanceStore store,
    WorkQueue queue,
    OrchestrationSignal signal,
    StepDispatcher dispatcher,
    Functions.PromptOrchestrator orchestrator,
    Microsoft.Extensions.Options.IOptions<OrchestrationOptions> options,
    TimeProvider time)
{
    /// <summary>Creates an instance and schedules its first step. An existing id returns the existing instance.</summary>
    /// <param name="instanceId">The id (validated by <see cref="InstanceIds"/>).</param>
    /// <param name="request">The prompt.</param>
    /// <param name="handedOff">A state already under way (from the synchronous path), and the wait it committed to.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    public async Task<(InstanceRecord Record, bool Created)> StartAsync(string instanceId, PromptRequest request, (FailoverState State, WaitThenRetry Wait)? handedOff, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var token = NewToken();
        var wakeAt = handedOff?.Wait.Until;
        var events = new List<HistoryEvent> { new(0, HistoryEventTypes.ExecutionStarted, now, PromptTelemetry.Serialize(new { name = InstanceRecord.PromptOrchestratorName, handedOff = handedOff is not null })) };
        if (handedOff is { } h)
        {
            events.AddRange(h.State.History.Select((e, i) => PromptTelemetry.Event(i + 1, e, h.State, now)));
        }

        var record = new InstanceRecord
        {
            InstanceId = instanceId,
            Status = handedOff is null ? RuntimeStatus.Pending : RuntimeStatus.Running,
            Input = StoredState.SerializeInput(request),
            Checkpoint = handedOff is { } s ? StoredState.SerializeCheckpoint(s.State) : null,
            CustomStatus = handedOff is { } w ? PromptTelemetry.CustomStatus("waiting", w.State, w.Wait) : null,
            CreatedTime = now,
            LastUpdatedTime = now,
            HistoryCount = events.Count,
            WakeToken = token,
            WakeAt = wakeAt,
        };

        var item = new WorkItem(instanceId, token, SentAt: now);
        if (handedOff is null && dispatcher.TryTakeSlot())
        {
            return await StartHereAsync(record, item, events, cancellationToken);
        }

        await queue.SendAsync(item, wakeAt is { } at ? at - now : TimeSpan.Zero, cancellationToken);
        var result = await store.CreateAsync(record, events, cancellationToken);
        if (result.Created && wakeAt is null)
        {
            signal.WorkArrived();
        }

        return result;
    }

    public Task<InstanceRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) => store.GetAsync(instanceId, cancellationToken);

    // Local dispatch, in a slot already taken: the instance is created claimed by this host's next step, which runs
    // at once without a queue hop, a re-read or a separate claim. Its message waits out the claim as a recovery timer:
    // if this host dies, the message surfaces when the claim has lapsed and any host takes the step.
    private async Task<(InstanceRecord Record, bool Created)> StartHereAsync(InstanceRecord record, WorkItem item, List<HistoryEvent> events, CancellationToken cancellationToken)
    {
        var dispatched = false;
        try
        {
            var owner = orchestrator.NewOwner();
            var lease = options.Value.MessageVisibilityTimeout;
            var claimed = record with
            {
                Status = RuntimeStatus.Running,
                CustomStatus = PromptTelemetry.Serialize(new { phase = "running", attempts = 0 }),
                ClaimOwner = owner,
                ClaimUntil = record.CreatedTime + lease,
            };
            var message = await queue.SendAsync(item, lease, cancellationToken);

            // From here the start completes even if the caller goes away: an instance created claimed but never run
            // would wait out the whole claim for its recovery message.
            (InstanceRecord Record, bool Created) result;
            try
            {
                result = await store.CreateAsync(claimed, events, CancellationToken.None);
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or TaskCanceledException)
            {
                // The create may have succeeded with its answer lost: if the instance is there claimed by this step, run it.
                if (await store.GetAsync(record.InstanceId, CancellationToken.None) is not { } stored || stored.ClaimOwner != owner)
                {
                    throw;
                }

                result = (stored, true);
            }

            if (result.Created)
            {
                dispatcher.RunStarted(message, result.Record, owner);
                dispatched = true;
            }
            else
            {
                // The id existed: this message can never be valid, and it would sit invisible for the whole lease.
                await queue.DeleteAsync(message, cancellationToken);
            }

            return result;
        }
        finally
        {
            if (!dispatched)
            {
                dispatcher.ReleaseSlot();
            }
        }
    }

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(InstanceRecord record, CancellationToken cancellationToken) => store.GetHistoryAsync(record, cancellationToken);

    public Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> ListAsync(InstanceQuery query, CancellationToken cancellationToken) => store.ListAsync(query, cancellationToken);

    public Task<ManagementResult> TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(instanceId, (r, now) => r.Status.IsTerminal() ? null : (
            r with
            {
                Status = RuntimeStatus.Terminated,
                WakeToken = null,
                WakeAt = null,
                ClaimOwner = null,
                ClaimUntil = null,
                Output = PromptTelemetry.Serialize(new { status = "Terminated", reason }),
                CustomStatus = PromptTelemetry.Serialize(new { phase = "terminated" }),
            },
            new HistoryEvent(r.HistoryCount, HistoryEventTypes.ExecutionTerminated, now, PromptTelemetry.Serialize(new { reason }))),
            null,
            cancellationToken);

    /// <summary>Pauses an instance: its pending message is ignored until it is resumed; a running step stops at its
    /// next checkpoint.</summary>
    public Task<ManagementResult> SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken) =>
        ChangeAsync(instanceId, (r, now) => r.Status.IsTerminal() ? null : r.Status == RuntimeStatus.Suspended ? (r, null) : (
            r with { Status = RuntimeStatus.Suspended },
            new HistoryEvent(r.HistoryCount, HistoryEventTypes.ExecutionSuspended, now, PromptTelemetry.Serialize(new { reason }))),
            null,
            cancellationToken);

    /// <summary>Resumes a suspended instance with a fresh message, due when its pending timer (if any) was due.</summary>
    public async Task<ManagementResult> ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken)
    {
        var token = NewToken();
        var sent = false;
        var result = await ChangeAsync(instanceId, (r, now) => r.Status.IsTerminal() ? null : r.Status != RuntimeStatus.Suspended ? (r, null) : (
            r with { Status = r.Checkpoint is null ? RuntimeStatus.Pending : RuntimeStatus.Running, WakeToken = token, ClaimOwner = null, ClaimUntil = null },
            new HistoryEvent(r.HistoryCount, HistoryEventTypes.ExecutionResumed, now, PromptTelemetry.Serialize(new { reason }))),
            async (r, ct) =>
            {
                sent = true;
                await queue.SendAsync(new WorkItem(instanceId, token), r.WakeAt is { } at ? at - time.GetUtcNow() : TimeSpan.Zero, ct);
            },
            cancellationToken);
        if (sent)
        {
            signal.WorkArrived();
        }

        return result;
    }

    /// <summary>Records an external event. The prompt orchestration waits for none; the event is kept in its history.</summary>
    public Task<ManagementResult> RaiseEventAsync(string instanceId, string eventName, string? data, CancellationToken cancellationToken) =>
        ChangeAsync(instanceId, (r, now) => r.Status.IsTerminal() ? null : (
            r,
            new HistoryEvent(r.HistoryCount, HistoryEventTypes.EventRaised, now, PromptTelemetry.Serialize(new { name = eventName, input = data }))),
            null,
            cancellationToken);

    /// <summary>Deletes a finished instance, its history and blobs.</summary>
    public async Task<(ManagementResult Result, int Deleted)> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(instanceId, cancellationToken);
        if (record is null)
        {
            return (ManagementResult.NotFound, 0);
        }

        return record.Status.IsTerminal()
            ? (ManagementResult.Accepted, await store.PurgeAsync(instanceId, cancellationToken))
            : (ManagementResult.Conflict, 0);
    }

    /// <summary>Starts the instance's input again, with its original time budget from now: under a new id, or under
    /// the same id once the old run has finished (its history is replaced).</summary>
    public async Task<(ManagementResult Result, InstanceRecord? Record)> RestartAsync(string instanceId, bool newInstanceId, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(instanceId, cancellationToken);
        if (record is null)
        {
            return (ManagementResult.NotFound, null);
        }

        if (!newInstanceId && !record.Status.IsTerminal())
        {
            return (ManagementResult.Conflict, record);
        }

        var request = StoredState.DeserializeInput(record.Input);
        var budget = request.Deadline - record.CreatedTime;
        request = request with { Deadline = time.GetUtcNow() + (budget > TimeSpan.Zero ? budget : TimeSpan.FromSeconds(1)) };
        string id;
        if (newInstanceId)
        {
            id = InstanceIds.New();
        }
        else
        {
            await store.PurgeAsync(instanceId, cancellationToken);
            id = instanceId;
        }

        var (started, _) = await StartAsync(id, request, null, cancellationToken);
        return (ManagementResult.Accepted, started);
    }

    internal static string NewToken() => Guid.NewGuid().ToString("N");

    // Read, change, write with the ETag; on a conflict read again. A change of null means "finished: Gone"; a change
    // with no event means "nothing to do".
    private async Task<ManagementResult> ChangeAsync(
        string instanceId,
        Func<InstanceRecord, DateTimeOffset, (InstanceRecord Record, HistoryEvent? Event)?> change,
        Func<InstanceRecord, CancellationToken, Task>? beforeCommit,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var record = await store.GetAsync(instanceId, cancellationToken);
            if (record is null)
            {
                return ManagementResult.NotFound;
            }

            var now = time.GetUtcNow();
            if (change(record, now) is not { } changed)
            {
                return ManagementResult.Gone;
            }

            if (changed.Event is null)
            {
                return ManagementResult.Accepted;
            }

            var updated = changed.Record with { LastUpdatedTime = now, HistoryCount = record.HistoryCount + 1 };
            if (beforeCommit is not null)
            {
                await beforeCommit(updated, cancellationToken);
            }

            if (await store.TryCommitAsync(updated, [changed.Event], cancellationToken) is not null)
            {
                return ManagementResult.Accepted;
            }
        }

        throw new InvalidOperationException($"Instance '{instanceId}' kept changing under 50 attempts to update it.");
    }
}
