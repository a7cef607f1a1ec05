using LlmFunctions.FunctionApp.Configuration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// The 202 answer to a started instance: <c>Location</c> and Durable Functions' management payload
/// (<c>statusQueryGetUri</c>, <c>sendEventPostUri</c>, <c>terminatePostUri</c>, <c>purgeHistoryDeleteUri</c>,
/// <c>suspendPostUri</c>, <c>resumePostUri</c>, <c>restartPostUri</c>).
/// </summary>
internal static class CheckStatusResponse
{
    /// <summary>The path of Durable's HTTP management API, under the Functions host and the standalone host alike.</summary>
    public const string InstancesPath = "/runtime/webhooks/durabletask/instances";

    // host.json's extensions.durableTask.hubName, as the configuration holds it.
    private const string TaskHubSetting = "AzureFunctionsJobHost:extensions:durableTask:hubName";

    /// <summary>Builds the 202 for <paramref name="instanceId"/>.</summary>
    /// <param name="client">The durable client the function was given.</param>
    /// <param name="request">The request that started the instance.</param>
    /// <param name="instanceId">The instance.</param>
    /// <returns>The result.</returns>
    public static IResult Create(DurableTaskClient client, HttpRequest request, string instanceId)
    {
        var payload = Payload(client, request, instanceId);
        request.HttpContext.Response.Headers.Location = payload.StatusQueryGetUri;
        request.HttpContext.Response.Headers.RetryAfter = "1";
        return Results.Json(payload, statusCode: StatusCodes.Status202Accepted);
    }

    private static ManagementUrls Payload(DurableTaskClient client, HttpRequest request, string instanceId)
    {
        string instance;
        string query;
        try
        {
            // Under the Functions host the client knows the host's public base URL and the query (task hub, connection
            // and the system key) its management API requires.
            var host = client.CreateHttpManagementPayload(instanceId);
            var status = ManagementBaseUrl.Rebase(new Uri(host.StatusQueryGetUri!), Options(request));
            instance = status.GetLeftPart(UriPartial.Path);
            query = status.Query;
        }
        catch (InvalidOperationException)
        {
            // The standalone host's client has no binding data: its API is served on the public base URL (or, without
            // one, see ManagementBaseUrl), for the task hub host.json names (the Functions host's query, without a key).
            var hub = request.HttpContext.RequestServices.GetRequiredService<IConfiguration>()[TaskHubSetting] ?? "TestHubName";
            instance = $"{ManagementBaseUrl.For(request, Options(request))}{InstancesPath}/{Uri.EscapeDataString(instanceId)}";
            query = $"taskHub={Uri.EscapeDataString(hub)}&connection=Storage";
        }

        string Url(string path, string? extra = null)
        {
            var parts = new[] { query.TrimStart('?'), extra }.Where(p => !string.IsNullOrEmpty(p));
            var joined = string.Join('&', parts);
            return instance + path + (joined.Length > 0 ? "?" + joined : string.Empty);
        }

        // The status link alone carries a code for this instance, so its starter can poll it with no master key.
        var statusCode = request.HttpContext.RequestServices.GetService<IStatusLinkCodes>()?.CodeFor(instanceId);
        return new ManagementUrls(
            instanceId,
            Url(string.Empty, statusCode is null ? null : "code=" + Uri.EscapeDataString(statusCode)),
            Url("/raiseEvent/{eventName}"),
            Url("/terminate", "reason={text}"),
            Url(string.Empty),
            Url("/restart"),
            Url("/suspend", "reason={text}"),
            Url("/resume", "reason={text}"));
    }

    private static HttpOptions Options(HttpRequest request) =>
        request.HttpContext.RequestServices.GetService<IOptions<HttpOptions>>()?.Value ?? new HttpOptions();

    /// <summary>The management payload, with the JSON names Durable Functions uses.</summary>
    internal sealed record ManagementUrls(
        string Id,
        string StatusQueryGetUri,
        string SendEventPostUri,
        string TerminatePostUri,
        string PurgeHistoryDeleteUri,
        string RestartPostUri,
        string SuspendPostUri,
        string ResumePostUri);
}
