namespace LlmFunctions.StandaloneHost.Security;

/// <summary>The host's security log events: key names and routes only, never a key's value.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 5301, EventName = "AnonymousLoopbackOnly", Level = LogLevel.Warning,
        Message = "No key is configured ({MasterSetting}, {FunctionSection}:<name>): serving anonymous callers on loopback only")]
    public static partial void AnonymousLoopbackOnly(ILogger logger, string masterSetting, string functionSection);

    [LoggerMessage(EventId = 5302, EventName = "KeysConfigured", Level = LogLevel.Information,
        Message = "Keys required: function-level routes take a function key or the master key, admin routes the master key; keys configured: [{KeyNames}]")]
    public static partial void KeysConfigured(ILogger logger, IEnumerable<string> keyNames);

    /// <summary>Logs a refusal with the endpoint's route (not the path: no key from a query string reaches a log).</summary>
    public static void Refused(ILogger logger, HttpContext context, int status, string reason, string? keyName)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? string.Empty;
            RequestRefused(logger, context.Request.Method, route, status, reason, keyName);
        }
    }

    [LoggerMessage(EventId = 5303, EventName = "RequestRefused", Level = LogLevel.Information,
        Message = "{Method} {Route} refused with {Status}: {Reason} (key {KeyName})")]
    private static partial void RequestRefused(ILogger logger, string method, string route, int status, string reason, string? keyName);
}
