using System.Net;
using LlmFunctions.StandaloneHost.Http;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>
/// Enforces each endpoint's <see cref="AuthorizationLevel"/> as the Functions host does: anonymous routes are open,
/// function-level routes take a function key or the master key, admin-level routes (and any endpoint that declares no
/// level: fail closed) the master key only; an instance's status also takes that instance's code from its check-status
/// link. A key is read from <c>x-functions-key</c> or <c>?code=</c>, and on OpenAI
/// routes (<c>v1/...</c>) also from <c>api-key</c> or <c>Authorization: Bearer</c>. With no key configured, only
/// loopback callers are served, anonymously.
/// </summary>
internal sealed class KeyAuthorizationMiddleware(RequestDelegate next, HostKeys keys, ILogger<KeyAuthorizationMiddleware> logger)
{
    /// <summary>The header Azure Functions reads a key from.</summary>
    public const string FunctionsKeyHeader = "x-functions-key";

    /// <summary>The query parameter Azure Functions reads a key from.</summary>
    public const string CodeParameter = "code";

    /// <summary>The header Azure OpenAI clients send their key in.</summary>
    public const string ApiKeyHeader = "api-key";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is not { } endpoint)
        {
            return next(context);
        }

        var metadata = endpoint.Metadata.GetMetadata<FunctionAuthorizationMetadata>();
        var level = metadata?.Level ?? AuthorizationLevel.Admin;
        if (level == AuthorizationLevel.Anonymous)
        {
            return next(context);
        }

        if (!keys.AnyConfigured)
        {
            return IsLoopback(context.Connection.RemoteIpAddress)
                ? next(context)
                : Refuse(context, StatusCodes.Status403Forbidden, "permission_error", "loopback_only",
                    $"This host has no keys configured ({HostKeys.MasterSetting}) and serves loopback callers only.", null);
        }

        var presented = PresentedKey(context.Request, metadata?.AcceptsOpenAiKeyHeaders ?? false);
        if (presented is null)
        {
            return Refuse(context, StatusCodes.Status401Unauthorized, "invalid_request_error", "missing_api_key",
                "No key was sent: send a function key in the x-functions-key header or the code query parameter"
                + (metadata?.AcceptsOpenAiKeyHeaders == true ? ", or as Authorization: Bearer or the api-key header." : "."), null);
        }

        if (IsOwnStatusCode(context, endpoint))
        {
            // Whatever key came along too (a client sends its function key on every call).
            return next(context);
        }

        var match = keys.Match(presented);
        if (match is null)
        {
            return Refuse(context, StatusCodes.Status401Unauthorized, "invalid_request_error", "invalid_api_key",
                "The key sent is not a key of this app.", null);
        }

        if (level is AuthorizationLevel.Admin or AuthorizationLevel.System && !match.IsMaster)
        {
            return Refuse(context, StatusCodes.Status403Forbidden, "permission_error", "master_key_required",
                "This is an admin operation: it needs the master key; a function key is not enough.", match.Name);
        }

        context.Features.Set(match);
        return next(context);
    }

    private bool IsOwnStatusCode(HttpContext context, Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<InstanceStatusEndpoint>() is not null
        && context.Request.RouteValues["instanceId"] is string instanceId
        && NonEmpty(context.Request.Query[CodeParameter].ToString()) is { } code
        && keys.IsStatusCode(instanceId, code);

    /// <summary>Whether the caller is on this machine; no address is an in-process caller (a test server).</summary>
    internal static bool IsLoopback(IPAddress? address) =>
        address is null || IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private static string? PresentedKey(HttpRequest request, bool openAiHeaders)
    {
        if (NonEmpty(request.Headers[FunctionsKeyHeader].ToString()) is { } header)
        {
            return header;
        }

        if (NonEmpty(request.Query[CodeParameter].ToString()) is { } code)
        {
            return code;
        }

        if (!openAiHeaders)
        {
            return null;
        }

        if (NonEmpty(request.Headers[ApiKeyHeader].ToString()) is { } apiKey)
        {
            return apiKey;
        }

        var authorization = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        return authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? NonEmpty(authorization[Bearer.Length..].Trim()) : null;
    }

    private static string? NonEmpty(string value) => value.Length > 0 ? value : null;

    private Task Refuse(HttpContext context, int status, string type, string code, string message, string? keyName)
    {
        SecurityLog.Refused(logger, context, status, code, keyName);
        return OpenAiErrorResponse.WriteAsync(context, status, type, code, message);
    }
}
