using LlmFunctions.FunctionApp.Http;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>
/// Writes the host's own refusals (401, 403, 415, 429) in OpenAI's error shape through <see cref="OpenAiError"/>, the
/// one writer of that shape, which OpenAI clients read on every route; a 401 also names the scheme.
/// </summary>
internal static class OpenAiErrorResponse
{
    public static Task WriteAsync(HttpContext context, int status, string type, string code, string message, string? param = null, int? retryAfterSeconds = null)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return OpenAiError.Result(status, type, message, param, code, retryAfterSeconds: retryAfterSeconds).ExecuteAsync(context);
    }
}
