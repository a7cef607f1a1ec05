using System.Globalization;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>POST operations on one instance: terminate, suspend, resume, rewind, restart, raise an event.</summary>
internal static class InstanceCommands
{
    /// <summary>Seconds the host's check-status response (restart) asks a client to wait.</summary>
    private const int CheckStatusRetryAfterSeconds = 10;

    private static readonly OrchestrationStatus[] RunningStatuses =
        [OrchestrationStatus.Running, OrchestrationStatus.Pending, OrchestrationStatus.Suspended, OrchestrationStatus.ContinuedAsNew];

    public static Task<IResult> TerminateAsync(ManagementRequest request) =>
        SendUnlessCompletedAsync(request, "terminate", (instance, reason) => new ExecutionTerminatedEvent(-1, reason));

    public static Task<IResult> SuspendAsync(ManagementRequest request) =>
        SendUnlessCompletedAsync(request, "suspend", (instance, reason) => new ExecutionSuspendedEvent(-1, reason));

    public static Task<IResult> ResumeAsync(ManagementRequest request) =>
        SendUnlessCompletedAsync(request, "resume", (instance, reason) => new ExecutionResumedEvent(-1, reason));

    public static async Task<IResult> RewindAsync(ManagementRequest request)
    {
        var instanceId = request.InstanceId;
        var reason = QueryParameters.GetString(request.Query, "reason");
        var state = await request.FindStateAsync(instanceId, fetchInput: false);
        switch (state?.OrchestrationStatus)
        {
            case null:
                return ManagementResults.Status(StatusCodes.Status404NotFound);
            case OrchestrationStatus.Canceled or OrchestrationStatus.Terminated or OrchestrationStatus.Completed:
                return ManagementResults.Status(StatusCodes.Status410Gone);
            case OrchestrationStatus.Failed:
                Log.OperationRequested(request.Logger, "rewind", instanceId);
                await request.Service.RewindTaskOrchestrationAsync(instanceId, reason);
                return ManagementResults.Status(StatusCodes.Status202Accepted);
            default:
                // The host lets DurableClient throw here (a 500); a conflict with the instance's state is a 409.
                return ManagementResults.Error(
                    StatusCodes.Status409Conflict,
                    $"Only a failed instance can be rewound; this one is {state.OrchestrationStatus}.");
        }
    }

    public static async Task<IResult> RestartAsync(ManagementRequest request)
    {
        var instanceId = request.InstanceId;
        var withNewId = QueryParameters.GetBoolean(request.Query, "restartWithNewInstanceId", defaultValue: true);
        var state = await request.FindStateAsync(instanceId, fetchInput: true);
        if (state is null)
        {
            // The host's answer for an unknown instance here (DurableClient.RestartAsync throws ArgumentException).
            return ManagementResults.Error(
                StatusCodes.Status400BadRequest, "InstanceId does not match a valid orchestration instance.", "instanceId");
        }

        if (!withNewId && RunningStatuses.Contains(state.OrchestrationStatus))
        {
            return RestartConflict(state.OrchestrationStatus.ToString());
        }

        var newInstance = new OrchestrationInstance
        {
            InstanceId = withNewId ? Guid.NewGuid().ToString("N") : instanceId,
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var started = new ExecutionStartedEvent(-1, state.Input)
        {
            Name = state.Name,
            Version = state.Version ?? string.Empty,
            OrchestrationInstance = newInstance,
            Tags = state.Tags,
        };

        Log.OperationRequested(request.Logger, "restart", instanceId);
        try
        {
            await request.Service.CreateTaskOrchestrationAsync(
                new TaskMessage { OrchestrationInstance = newInstance, Event = started }, RunningStatuses);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return RestartConflict("running");
        }

        var links = ManagementLinks.Create(request, newInstance.InstanceId);
        return new ManagementResults.WithHeaders(
            ManagementResults.Json(links, StatusCodes.Status202Accepted),
            ("Location", links.StatusQueryGetUri),
            ("Retry-After", CheckStatusRetryAfterSeconds.ToString(CultureInfo.InvariantCulture)));
    }

    public static async Task<IResult> RaiseEventAsync(ManagementRequest request)
    {
        var instanceId = request.InstanceId;
        var eventName = request.Context.Request.RouteValues["eventName"] as string;
        if (string.IsNullOrWhiteSpace(eventName))
        {
            throw new BadParameterException("eventName", "The 'eventName' is empty.");
        }

        var state = await request.FindStateAsync(instanceId, fetchInput: false);
        if (state is null)
        {
            return ManagementResults.Status(StatusCodes.Status404NotFound);
        }

        if (state.OrchestrationStatus is OrchestrationStatus.Failed or OrchestrationStatus.Canceled
            or OrchestrationStatus.Terminated or OrchestrationStatus.Completed)
        {
            return ManagementResults.Status(StatusCodes.Status410Gone);
        }

        var mediaType = request.Context.Request.GetTypedHeaders().ContentType?.MediaType.Value;
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new BadParameterException("Content-Type", "The Content-Type must be application/json: only application/json request content is supported.");
        }

        string eventData;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Context.Request.Body, cancellationToken: request.Aborted);
            eventData = document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            throw new BadParameterException("body", "Invalid JSON content: the request body is not one JSON value.");
        }

        await request.Service.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new EventRaisedEvent(-1, eventData) { Name = eventName },
        });
        return ManagementResults.Status(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> SendUnlessCompletedAsync(
        ManagementRequest request, string operation, Func<OrchestrationInstance, string?, HistoryEvent> createEvent)
    {
        var instanceId = request.InstanceId;
        var reason = QueryParameters.GetString(request.Query, "reason");
        var state = await request.FindStateAsync(instanceId, fetchInput: false);
        if (state is null)
        {
            return ManagementResults.Status(StatusCodes.Status404NotFound);
        }

        if (state.OrchestrationStatus is OrchestrationStatus.Completed or OrchestrationStatus.Terminated
            or OrchestrationStatus.Canceled or OrchestrationStatus.Failed)
        {
            return ManagementResults.Status(StatusCodes.Status410Gone);
        }

        Log.OperationRequested(request.Logger, operation, instanceId);
        var instance = new OrchestrationInstance { InstanceId = instanceId };
        await request.Service.SendTaskOrchestrationMessageAsync(new TaskMessage { OrchestrationInstance = instance, Event = createEvent(instance, reason) });
        return ManagementResults.Status(StatusCodes.Status202Accepted);
    }

    private static IResult RestartConflict(string status) => ManagementResults.Error(
        StatusCodes.Status409Conflict,
        $"The instance is {status}; restart it with restartWithNewInstanceId=true, or terminate it first.",
        "restartWithNewInstanceId");
}
