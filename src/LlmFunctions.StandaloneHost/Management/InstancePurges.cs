namespace LlmFunctions.StandaloneHost.Management;

/// <summary>DELETE of one instance's or many instances' history and state.</summary>
internal static class InstancePurges
{
    public static async Task<IResult> PurgeOneAsync(ManagementRequest request)
    {
        var instanceId = request.InstanceId;
        if (await request.FindStateAsync(instanceId, fetchInput: false) is null)
        {
            return ManagementResults.Status(StatusCodes.Status404NotFound);
        }

        Log.OperationRequested(request.Logger, "purge", instanceId);
        var result = await request.Service.PurgeInstanceHistoryAsync(instanceId);
        return ManagementResults.Json(new PurgeHistoryPayload(result.InstancesDeleted));
    }

    public static async Task<IResult> PurgeManyAsync(ManagementRequest request)
    {
        var createdTimeFrom = QueryParameters.GetUtcDateTime(request.Query, "createdTimeFrom")
            ?? throw new BadParameterException("createdTimeFrom", "Please provide value for 'createdTimeFrom' parameter.");
        var createdTimeTo = QueryParameters.GetUtcDateTime(request.Query, "createdTimeTo") ?? request.TimeProvider.GetUtcNow().UtcDateTime;
        var statuses = QueryParameters.GetRuntimeStatuses(request.Query, "runtimeStatus");

        var result = await request.Service.PurgeInstanceHistoryAsync(createdTimeFrom, createdTimeTo, statuses);
        return result is null || result.InstancesDeleted == 0
            ? ManagementResults.Status(StatusCodes.Status404NotFound)
            : ManagementResults.Json(new PurgeHistoryPayload(result.InstancesDeleted));
    }
}
