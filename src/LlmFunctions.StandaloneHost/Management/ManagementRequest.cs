using DurableTask.AzureStorage;
using DurableTask.Core;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>One management request and what its handler needs.</summary>
internal sealed class ManagementRequest(
    HttpContext context,
    AzureStorageOrchestrationService service,
    string? taskHubName,
    TimeProvider timeProvider,
    ILogger logger)
{
    public HttpContext Context { get; } = context;

    public AzureStorageOrchestrationService Service { get; } = service;

    public string? TaskHubName { get; } = taskHubName;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    public IQueryCollection Query => Context.Request.Query;

    public CancellationToken Aborted => Context.RequestAborted;

    /// <summary>The route's instance id, validated (a 400 naming <c>instanceId</c> otherwise).</summary>
    public string InstanceId
    {
        get
        {
            var instanceId = Context.Request.RouteValues["instanceId"] as string;
            InstanceIds.Validate(instanceId);
            return instanceId!;
        }
    }

    /// <summary>The instance's current state, or null when there is none.</summary>
    public async Task<OrchestrationState?> FindStateAsync(string instanceId, bool fetchInput)
    {
        var states = await Service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput);
        return states.FirstOrDefault(s => s?.OrchestrationInstance is not null);
    }
}
