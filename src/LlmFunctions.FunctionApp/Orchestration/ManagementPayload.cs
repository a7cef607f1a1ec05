namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>Durable Functions' management payload and URL layout (<c>/runtime/webhooks/durabletask/instances/{id}…</c>),
/// built against the address the caller used.</summary>
internal static class ManagementPayload
{
    public const string InstancesPath = "/runtime/webhooks/durabletask/instances";

    public static string StatusUri(HttpRequest request, TaskHubNames hub, string instanceId) =>
        Base(request, instanceId) + Query(hub);

    public static object For(HttpRequest request, TaskHubNames hub, string instanceId)
    {
        var instance = Base(request, instanceId);
        var query = Query(hub);
        return new
        {
            id = instanceId,
            statusQueryGetUri = instance + query,
            sendEventPostUri = instance + "/raiseEvent/{eventName}" + query,
            terminatePostUri = instance + "/terminate" + query + "&reason={text}",
            purgeHistoryDeleteUri = instance + query,
            restartPostUri = instance + "/restart" + query,
            suspendPostUri = instance + "/suspend" + query + "&reason={text}",
            resumePostUri = instance + "/resume" + query + "&reason={text}",
        };
    }

    private static string Base(HttpRequest request, string instanceId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{InstancesPath}/{Uri.EscapeDataString(instanceId)}";

    private static string Query(TaskHubNames hub) => $"?taskHub={Uri.EscapeDataString(hub.TaskHub)}&connection=Storage";
}
