using System.Globalization;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core;
using Microsoft.AspNetCore.Http.Extensions;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>GET of one instance's status and of a page of instances.</summary>
internal static class InstanceQueries
{
    /// <summary>The host's default page size (<c>OrchestrationStatusQueryCondition.PageSize</c>).</summary>
    public const int DefaultPageSize = 100;

    /// <summary>
    /// The largest <c>top</c> accepted: Azure Tables' own page limit. The host passes any <c>top</c> on, so a page is
    /// already at most 1000 rows there.
    /// </summary>
    public const int MaxPageSize = 1000;

    /// <summary>
    /// The most rows read per page when inputs are returned: DTFx downloads each large input's blob into memory for the
    /// whole page, so with inputs a page holds fewer rows (the host's contract allows fewer rows than <c>top</c>; the
    /// continuation token carries on from there).
    /// </summary>
    public const int MaxPageSizeWithInputs = 100;

    /// <summary>Seconds the host asks a client to wait before polling a running instance again.</summary>
    private const int RunningRetryAfterSeconds = 5;

    public static async Task<IResult> GetStatusAsync(ManagementRequest request)
    {
        var instanceId = request.InstanceId;
        var showHistory = QueryParameters.GetBoolean(request.Query, "showHistory", defaultValue: false);
        var showHistoryOutput = QueryParameters.GetBoolean(request.Query, "showHistoryOutput", defaultValue: false);
        var showInput = QueryParameters.GetBoolean(request.Query, "showInput", defaultValue: true);
        var errorOnFailure = QueryParameters.GetBoolean(request.Query, "returnInternalServerErrorOnFailure", defaultValue: false);

        var state = await request.FindStateAsync(instanceId, showInput);
        if (state is null)
        {
            return ManagementResults.Status(StatusCodes.Status404NotFound);
        }

        string? history = null;
        if (showHistory && state.OrchestrationStatus != OrchestrationStatus.Pending)
        {
            history = await request.Service.GetOrchestrationHistoryAsync(instanceId, state.OrchestrationInstance.ExecutionId);
        }

        var payload = ToPayload(state, string.IsNullOrEmpty(history) ? null : HistoryFormatter.Format(history, showHistoryOutput, showInput));
        switch (state.OrchestrationStatus)
        {
            case OrchestrationStatus.Running:
            case OrchestrationStatus.Pending:
            case OrchestrationStatus.ContinuedAsNew:
            case OrchestrationStatus.Suspended:
                return new ManagementResults.WithHeaders(
                    ManagementResults.Json(payload, StatusCodes.Status202Accepted),
                    ("Location", request.Context.Request.GetEncodedUrl()),
                    ("Retry-After", RunningRetryAfterSeconds.ToString(CultureInfo.InvariantCulture)));
            case OrchestrationStatus.Failed:
                return ManagementResults.Json(payload, errorOnFailure ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK);
            case OrchestrationStatus.Canceled:
            case OrchestrationStatus.Terminated:
            case OrchestrationStatus.Completed:
                return ManagementResults.Json(payload);
            default:
                Log.UnknownRuntimeStatus(request.Logger, instanceId, (int)state.OrchestrationStatus);
                return ManagementResults.Json(payload, StatusCodes.Status500InternalServerError);
        }
    }

    public static async Task<IResult> ListAsync(ManagementRequest request)
    {
        var query = request.Query;
        var showInput = QueryParameters.GetBoolean(query, "showInput", defaultValue: true);
        var top = QueryParameters.GetInt32(query, "top", DefaultPageSize, min: 1, max: MaxPageSize);
        var createdTimeFrom = QueryParameters.GetUtcDateTime(query, "createdTimeFrom");
        var createdTimeTo = QueryParameters.GetUtcDateTime(query, "createdTimeTo");
        var prefix = QueryParameters.GetString(query, "instanceIdPrefix");
        var statuses = QueryParameters.GetRuntimeStatuses(query, "runtimeStatus");
        var token = ContinuationTokens.Decode(request.Context.Request.Headers[ContinuationTokens.HeaderName].FirstOrDefault());

        var condition = new OrchestrationInstanceStatusQueryCondition
        {
            RuntimeStatus = statuses,
            CreatedTimeFrom = createdTimeFrom ?? default,
            CreatedTimeTo = createdTimeTo ?? default,
            InstanceIdPrefix = string.IsNullOrEmpty(prefix) ? null : prefix,
            FetchInput = showInput,
        };

        if (!showInput && condition.CreatedTimeFrom == default && condition.CreatedTimeTo == default
            && statuses is null && condition.InstanceIdPrefix is null)
        {
            // DTFx drops its column selection (and so reads every input, downloading each large one's blob) when the
            // condition has no filter at all; a lower bound that every instance meets keeps the selection.
            condition.CreatedTimeFrom = DateTime.UnixEpoch;
        }

        var pageSize = showInput ? Math.Min(top, MaxPageSizeWithInputs) : top;
        DurableTask.AzureStorage.DurableStatusQueryResult page;
        try
        {
            page = await request.Service.GetOrchestrationStateAsync(condition, pageSize, token, request.Aborted);
        }
        catch (Exception e) when (token is not null && StorageFailures.IsBadRequest(e))
        {
            throw ContinuationTokens.Malformed();
        }

        var results = page.OrchestrationState.Where(s => s?.OrchestrationInstance is not null).Select(s => ToPayload(s, null)).ToList();
        var json = ManagementResults.Json(results);
        return string.IsNullOrEmpty(page.ContinuationToken)
            ? json
            : new ManagementResults.WithHeaders(json, (ContinuationTokens.HeaderName, ContinuationTokens.Encode(page.ContinuationToken)));
    }

    internal static StatusResponsePayload ToPayload(OrchestrationState state, System.Text.Json.Nodes.JsonArray? history) => new()
    {
        Name = state.Name,
        InstanceId = state.OrchestrationInstance.InstanceId,
        RuntimeStatus = state.OrchestrationStatus.ToString(),
        Input = new JsonText(state.Input),
        CustomStatus = new JsonText(state.Status),
        Output = new JsonText(state.Output),
        CreatedTime = FormatTime(state.CreatedTime),
        LastUpdatedTime = FormatTime(state.LastUpdatedTime),
        HistoryEvents = history,
    };

    /// <summary>The host writes <c>time.ToString("s") + "Z"</c>.</summary>
    private static string FormatTime(DateTime time) =>
        time.ToString("s", CultureInfo.InvariantCulture) + "Z";
}
