using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmFunctions.Simulator;

/// <summary>Writes answers in the shape of the api the provider speaks.</summary>
internal static class Replies
{
    // Readable quotes in messages; the bodies are never embedded in HTML.
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task JsonAsync(HttpContext context, int status, JsonNode body) =>
        RawAsync(context, status, body.ToJsonString(WriteOptions));

    public static async Task RawAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    public static Task ErrorAsync(HttpContext context, SimulatorApi api, int status, string message, string? type = null, string? code = null)
    {
        var defaults = Defaults(status);
        JsonNode body = api == SimulatorApi.Cloudflare
            ? new JsonObject
            {
                ["result"] = null,
                ["success"] = false,
                ["errors"] = new JsonArray(new JsonObject { ["code"] = CloudflareCode(status), ["message"] = message }),
                ["messages"] = new JsonArray(),
            }
            : new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["message"] = message,
                    ["type"] = type ?? defaults.Type,
                    ["code"] = code ?? defaults.Code,
                },
            };
        return JsonAsync(context, status, body);
    }

    /// <summary>An error that echoes the <c>Authorization</c> header in <paramref name="encoding"/>; the body is written
    /// by hand so that the JSON escaping is exactly the chosen one.</summary>
    public static Task EchoAsync(HttpContext context, int status, string authorization, EchoEncoding encoding)
    {
        var echoed = encoding switch
        {
            EchoEncoding.Json => StrictJsonEscape(authorization),
            EchoEncoding.Url => Uri.EscapeDataString(authorization),
            EchoEncoding.Base64 => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(authorization)),
            _ => authorization.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal),
        };
        return RawAsync(context, status, $$$"""{"error":{"message":"Incorrect API key provided: {{{echoed}}}","type":"invalid_request_error","code":"echo"}}""");
    }

    private static string StrictJsonEscape(string text) =>
        string.Concat(text.Select(c => c switch
        {
            '/' => "\\/",
            _ when char.IsAsciiLetterOrDigit(c) => c.ToString(),
            _ => $"\\u{(int)c:X4}",
        }));

    /// <summary>The answer to a fixed <c>status</c>, worded like the real providers' answers.</summary>
    public static Task StatusAsync(HttpContext context, SimulatorApi api, int status, string provider, string model) =>
        ErrorAsync(context, api, status, Defaults(status).Message.Replace("{model}", model, StringComparison.Ordinal)
            .Replace("{provider}", provider, StringComparison.Ordinal));

    private static (string Message, string Type, string? Code) Defaults(int status) => status switch
    {
        400 => ("Bad request: the body must be JSON with a messages array", "invalid_request_error", null),
        401 => ("Invalid API key provided", "invalid_request_error", "invalid_api_key"),
        402 => ("Insufficient balance: the free tier of {provider} is exhausted", "insufficient_quota", "payment_required"),
        403 => ("Forbidden: the API key is invalid or has been revoked", "permission_error", "forbidden"),
        404 => ("The model `{model}` does not exist or you do not have access to it", "invalid_request_error", "model_not_found"),
        422 => ("Unprocessable entity", "invalid_request_error", null),
        429 => ("Rate limit reached for requests", "rate_limit_error", "rate_limit_exceeded"),
        >= 500 => ("The server had an error while processing your request", "server_error", null),
        _ => ($"Simulated error {status}", "api_error", null),
    };

    private static int CloudflareCode(int status) => status switch
    {
        400 or 422 => 5006,
        401 or 403 => 10000,
        404 => 7000,
        429 => 3040,
        >= 500 => 3043,
        _ => status,
    };
}
