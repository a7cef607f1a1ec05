using System.Globalization;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>
/// Writes the host's own refusals (401, 403, 415, 429) in OpenAI's error shape,
/// <c>{"error":{"message","type","param","code"}}</c>, which OpenAI clients read on every route.
/// </summary>
internal static class OpenAiErrorResponse
{
    public static Task WriteAsync(HttpContext context, int status, string type, string code, string message, string? param = null, int? retryAfterSeconds = null)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return Results.Json(new { error = new { message, type, param, code } }, statusCode: status).ExecuteAsync(context);
    }
}
