using System.Net;
using LlmFunctions.FunctionApp.Configuration;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Extensions.Options;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>
/// Builds an instance's management links as the host does (<c>GetClientResponseLinks</c>), on the public base URL
/// (<see cref="ManagementBaseUrl"/>: never an unchecked <c>Host</c> header). The host appends its system key
/// (<c>code</c>) to each link; this one never copies a key into a payload, only the status link's code for this
/// instance (<see cref="IStatusLinkCodes"/>).
/// </summary>
internal static class ManagementLinks
{
    /// <summary>The host's default connection name for Azure Storage.</summary>
    private const string ConnectionName = "Storage";

    public static HttpManagementPayload Create(ManagementRequest request, string instanceId)
    {
        var http = request.Context.Request;
        var options = request.Context.RequestServices.GetService<IOptions<HttpOptions>>()?.Value ?? new HttpOptions();
        var instancePrefix = $"{ManagementBaseUrl.For(http, options)}{DurableHttpApi.BasePath}/instances/{WebUtility.UrlEncode(instanceId)}";
        var taskHub = request.TaskHubName ?? QueryParameters.GetString(request.Query, "taskHub");
        var querySuffix = (taskHub is null ? string.Empty : $"taskHub={WebUtility.UrlEncode(taskHub)}&") + $"connection={ConnectionName}";

        var statusCode = request.Context.RequestServices.GetService<IStatusLinkCodes>()?.CodeFor(instanceId);
        return new HttpManagementPayload(
            Id: instanceId,
            StatusQueryGetUri: $"{instancePrefix}?{querySuffix}" + (statusCode is null ? string.Empty : $"&code={WebUtility.UrlEncode(statusCode)}"),
            SendEventPostUri: $"{instancePrefix}/raiseEvent/{{eventName}}?{querySuffix}",
            TerminatePostUri: $"{instancePrefix}/terminate?reason={{text}}&{querySuffix}",
            PurgeHistoryDeleteUri: $"{instancePrefix}?{querySuffix}",
            RestartPostUri: $"{instancePrefix}/restart?{querySuffix}",
            SuspendPostUri: $"{instancePrefix}/suspend?reason={{text}}&{querySuffix}",
            ResumePostUri: $"{instancePrefix}/resume?reason={{text}}&{querySuffix}");
    }
}
