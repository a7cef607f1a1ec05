// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.
//
// Ported from durabletask-dotnet src/Client/OrchestrationServiceClientShim/ShimDurableTaskservice.cs (v1.25.0, commit
// ec413503) because the Microsoft.DurableTask.Client.OrchestrationServiceClientShim package does not restore here.
// Changes: bound to DTFx's AzureStorageOrchestrationService; no entity support (Entities throws NotSupportedException);
// time through TimeProvider; GetInstancesAsync leaves inputs and outputs out unless asked for them;
// WaitForInstanceCompletionAsync throws OperationCanceledException when cancelled (the original returned null) and
// polls at PollingInterval rather than DTFx's fixed 2 s.
using System.Diagnostics;
using System.Globalization;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Core = DurableTask.Core;
using CoreOrchestrationQuery = DurableTask.Core.Query.OrchestrationQuery;
using OrchestrationQuery = Microsoft.DurableTask.Client.OrchestrationQuery;
using PurgeResult = Microsoft.DurableTask.Client.PurgeResult;

namespace LlmFunctions.StandaloneHost.Durable.Client;

/// <summary>A <see cref="DurableTaskClient"/> over DTFx's Azure Storage backend, as Durable Functions' client is over its backend.</summary>
/// <param name="name">The client's name (the task hub).</param>
/// <param name="service">The Azure Storage orchestration service.</param>
/// <param name="dataConverter">The converter for inputs, outputs, events and custom status.</param>
/// <param name="timeProvider">The clock for polling waits.</param>
internal sealed class ShimDurableTaskClient(string name, AzureStorageOrchestrationService service, DataConverter dataConverter, TimeProvider timeProvider)
    : DurableTaskClient(name)
{
    // The original's fixed polling cadence for WaitForInstanceStartAsync; used for completion waits too.
    private static readonly TimeSpan PollingInterval = TimeSpan.FromSeconds(1);

    private static readonly Core.OrchestrationStatus[] RunningStatuses =
    [
        Core.OrchestrationStatus.Running,
        Core.OrchestrationStatus.Pending,
        Core.OrchestrationStatus.Suspended,
    ];

    /// <inheritdoc/>
    public override DurableEntityClient Entities =>
        throw new NotSupportedException("The standalone host's durable client has no entity support.");

    // AzureStorageOrchestrationService implements the purge API explicitly.
    private IOrchestrationServicePurgeClient PurgeClient => service;

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => default;

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var states = await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: getInputsAndOutputs);
        return states is null or { Count: 0 } ? null : ToMetadata(states[0], getInputsAndOutputs);
    }

    /// <inheritdoc/>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? query = null)
    {
        return Pageable.Create<OrchestrationMetadata>(async (continuation, pageSize, cancellation) =>
        {
            CoreOrchestrationQuery coreQuery = new()
            {
                RuntimeStatus = query?.Statuses?.Select(x => x.ConvertToCore()).ToList(),
                CreatedTimeFrom = query?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = query?.CreatedTo?.UtcDateTime,
                TaskHubNames = query?.TaskHubNames?.ToList(),
                PageSize = pageSize ?? query?.PageSize ?? OrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? query?.ContinuationToken,
                InstanceIdPrefix = query?.InstanceIdPrefix,
                FetchInputsAndOutputs = query?.FetchInputsAndOutputs ?? false,
            };

            var result = await service.GetOrchestrationWithQueryAsync(coreQuery, cancellation);
            var metadata = result.OrchestrationState.Select(x => ToMetadata(x, coreQuery.FetchInputsAndOutputs)).ToList();
            return new Page<OrchestrationMetadata>(metadata, result.ContinuationToken);
        });
    }

    /// <inheritdoc/>
    public override async Task<PurgeResult> PurgeInstanceAsync(
        string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var state = await GetInstanceAsync(instanceId, cancellation);
        if (state is null)
        {
            return new PurgeResult(0);
        }

        if (!state.IsCompleted)
        {
            throw new InvalidOperationException(
                $"Only orchestrations in a terminal state can be purged, but the orchestration with instance ID {instanceId} has status {state.RuntimeStatus}");
        }

        cancellation.ThrowIfCancellationRequested();
        var result = await PurgeClient.PurgeInstanceStateAsync(instanceId);
        return result.ConvertFromCore();
    }

    /// <inheritdoc/>
    public override async Task<PurgeResult> PurgeAllInstancesAsync(
        PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellation.ThrowIfCancellationRequested();
        var result = await PurgeClient.PurgeInstanceStateAsync(filter.ConvertToCore());
        return result.ConvertFromCore();
    }

    /// <inheritdoc/>
    public override Task RaiseEventAsync(
        string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        var serializedInput = dataConverter.Serialize(eventPayload);
        return SendInstanceMessageAsync(instanceId, new EventRaisedEvent(-1, serializedInput) { Name = eventName }, cancellation);
    }

    /// <inheritdoc/>
    // This implementation treats a null dedupe statuses field as all statuses being reusable.
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName,
        object? input = null,
        StartOrchestrationOptions? options = null,
        CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        OrchestrationInstance instance = new()
        {
            InstanceId = instanceId,
            ExecutionId = Guid.NewGuid().ToString("N"),
        };

        var serializedInput = dataConverter.Serialize(input);
        var tags = options?.Tags?.ToDictionary(kvp => kvp.Key, kvp => kvp.Value) ?? [];
        tags[OrchestrationTags.CreateTraceForNewOrchestration] = "true";
        tags[OrchestrationTags.RequestTime] = timeProvider.GetUtcNow().ToString(CultureInfo.InvariantCulture);

        TaskMessage message = new()
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, serializedInput)
            {
                Name = orchestratorName.Name,
                Version = options?.Version ?? string.Empty,
                OrchestrationInstance = instance,
                ScheduledStartTime = options?.StartAt?.UtcDateTime,
                ParentTraceContext = Activity.Current is { } activity ? new Core.Tracing.DistributedTraceContext(activity.Id!, activity.TraceStateString) : null,
                Tags = tags,
            },
        };

        Core.OrchestrationStatus[]? dedupeStatuses = null;
        if (options?.DedupeStatuses is { Count: > 0 })
        {
            dedupeStatuses = [.. options.DedupeStatuses.Select(s => Enum.TryParse<OrchestrationRuntimeStatus>(s, ignoreCase: true, out var status)
                ? status.ConvertToCore()
                : throw new ArgumentException($"Invalid orchestration runtime status: '{s}' for deduplication.", nameof(options)))];
        }

        await TerminateWithReusableRunningStatusAndWaitAsync(instanceId, dedupeStatuses, cancellation);
        await service.CreateTaskOrchestrationAsync(message, dedupeStatuses);
        return instanceId;
    }

    /// <inheritdoc/>
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendInstanceMessageAsync(instanceId, new ExecutionSuspendedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendInstanceMessageAsync(instanceId, new ExecutionResumedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var reason = dataConverter.Serialize(options?.Output);
        return service.ForceTerminateTaskOrchestrationAsync(instanceId, reason);
    }

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);
            if (metadata is { IsCompleted: true })
            {
                return metadata;
            }

            await Task.Delay(PollingInterval, timeProvider, cancellation);
        }
    }

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation)
                ?? throw new InvalidOperationException($"Orchestration with instanceId '{instanceId}' does not exist");
            if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Pending)
            {
                return metadata;
            }

            await Task.Delay(PollingInterval, timeProvider, cancellation);
        }
    }

    /// <inheritdoc/>
    // Terminates an existing non-terminal instance when restartWithNewInstanceId is false, and waits for it to reach
    // a terminal state before restarting it.
    public override async Task<string> RestartAsync(
        string instanceId,
        bool restartWithNewInstanceId = false,
        CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var status = await GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellation)
            ?? throw new ArgumentException($"An orchestration with the instanceId {instanceId} was not found.", nameof(instanceId));

        if (!restartWithNewInstanceId)
        {
            await TerminateWithReusableRunningStatusAndWaitAsync(instanceId, dedupeStatuses: null, cancellation, existing: status);
        }

        var newInstanceId = restartWithNewInstanceId ? Guid.NewGuid().ToString("N") : instanceId;
        OrchestrationInstance instance = new()
        {
            InstanceId = newInstanceId,
            ExecutionId = Guid.NewGuid().ToString("N"),
        };

        // The original serialized input, so it is not serialized twice.
        TaskMessage message = new()
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, status.SerializedInput)
            {
                Name = status.Name,
                OrchestrationInstance = instance,
            },
        };

        await service.CreateTaskOrchestrationAsync(message, dedupeStatuses: null);
        return newInstanceId;
    }

    private OrchestrationMetadata ToMetadata(Core.OrchestrationState state, bool getInputsAndOutputs) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = getInputsAndOutputs ? dataConverter : null,
            RuntimeStatus = state.OrchestrationStatus.ConvertFromCore(),
            CreatedAt = state.CreatedTime,
            LastUpdatedAt = state.LastUpdatedTime,
            SerializedInput = getInputsAndOutputs ? state.Input : null,
            SerializedOutput = getInputsAndOutputs ? state.Output : null,
            SerializedCustomStatus = getInputsAndOutputs ? state.Status : null,
            FailureDetails = state.FailureDetails?.ConvertFromCore(),
        };

    private Task SendInstanceMessageAsync(string instanceId, HistoryEvent @event, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        TaskMessage message = new()
        {
            OrchestrationInstance = new() { InstanceId = instanceId },
            Event = @event,
        };

        return service.SendTaskOrchestrationMessageAsync(message);
    }

    private async Task TerminateWithReusableRunningStatusAndWaitAsync(
        string instanceId,
        Core.OrchestrationStatus[]? dedupeStatuses,
        CancellationToken cancellation,
        OrchestrationMetadata? existing = null)
    {
        if (dedupeStatuses != null
            && RunningStatuses.Any(status => !dedupeStatuses.Contains(status))
            && dedupeStatuses.Contains(Core.OrchestrationStatus.Terminated))
        {
            throw new ArgumentException(
                "Invalid dedupe statuses: cannot include 'Terminated' while also allowing reuse of running instances, " +
                "because the running instance would be terminated and then immediately conflict with the dedupe check.",
                nameof(dedupeStatuses));
        }

        // At least one running status is reusable: terminate an instance that has it.
        if (dedupeStatuses == null || RunningStatuses.Any(status => !dedupeStatuses.Contains(status)))
        {
            var metadata = existing ?? await GetInstancesAsync(instanceId, getInputsAndOutputs: false, cancellation);
            if (metadata == null)
            {
                return;
            }

            var status = metadata.RuntimeStatus.ConvertToCore();
            if (dedupeStatuses?.Contains(status) == true)
            {
                throw new OrchestrationAlreadyExistsException(
                    $"An orchestration with instance ID '{instanceId}' and status '{metadata.RuntimeStatus}' already exists");
            }

            if (RunningStatuses.Contains(status))
            {
                cancellation.ThrowIfCancellationRequested();
                var described = dedupeStatuses == null
                    ? "null (all statuses reusable)"
                    : dedupeStatuses.Length == 0 ? "[] (all statuses reusable)" : $"[{string.Join(", ", dedupeStatuses)}]";
                var reason = $"A new instance creation request has been issued for instance {instanceId} which " +
                    $"currently has status {metadata.RuntimeStatus}. Since the dedupe statuses of the creation request, " +
                    $"{described}, do not contain the orchestration's status, the orchestration has been terminated " +
                    "and a new instance with the same instance ID will be created.";
                await TerminateInstanceAsync(instanceId, reason, cancellation);
                await WaitForInstanceCompletionAsync(instanceId, cancellation: cancellation);
            }
        }
    }
}
