using System.Globalization;

namespace LlmFunctions.FunctionApp.Http;

/// <summary>
/// The one error shape of every endpoint of this app, OpenAI's: <c>{"error":{"message","type","param","code"}}</c>,
/// with an optional <c>llmfunctions</c> object beside <c>error</c> (the attempts and reasons of a chat request). Use it
/// for every error answer, including authentication (401 <see cref="AuthenticationError"/>, 403
/// <see cref="PermissionError"/>), unknown routes and methods.
/// </summary>
public static class OpenAiError
{
    /// <summary>A caller error: the request, a field or a header is wrong (400, 404, 405, 413, 415).</summary>
    public const string InvalidRequest = "invalid_request_error";

    /// <summary>A missing or wrong key (401).</summary>
    public const string AuthenticationError = "authentication_error";

    /// <summary>A key without the right to this endpoint (403).</summary>
    public const string PermissionError = "permission_error";

    /// <summary>The gateway or every provider failed (5xx).</summary>
    public const string ServerError = "server_error";

    /// <summary>Builds the error answer.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="type">The error type: one of this class's constants.</param>
    /// <param name="message">What went wrong, naming the field and the limit.</param>
    /// <param name="param">The field (a JSON path such as <c>messages[1].role</c>, a query parameter or a header), or null.</param>
    /// <param name="code">A stable machine-readable code (<c>model_not_found</c>), or null.</param>
    /// <param name="extension">The <c>llmfunctions</c> object beside <c>error</c>, or null for none.</param>
    /// <param name="retryAfterSeconds">A <c>Retry-After</c> header to send (503, 429), or null.</param>
    /// <returns>The result.</returns>
    public static IResult Result(int status, string type, string message, string? param = null, string? code = null, object? extension = null, int? retryAfterSeconds = null)
    {
        var result = Results.Json(Body(type, message, param, code, extension), statusCode: status);
        return retryAfterSeconds is { } seconds ? new WithRetryAfter(result, seconds) : result;
    }

    /// <summary>Writes the error answer straight to a response (for middleware and endpoints outside the functions).</summary>
    /// <param name="context">The HTTP context.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="type">The error type.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="param">The field, or null.</param>
    /// <param name="code">The code, or null.</param>
    /// <returns>A task that completes when the answer is written.</returns>
    public static Task WriteAsync(HttpContext context, int status, string type, string message, string? param = null, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Result(status, type, message, param, code).ExecuteAsync(context);
    }

    /// <summary>The body: <c>{"error":{...}}</c>, with <c>llmfunctions</c> when <paramref name="extension"/> is given.</summary>
    /// <param name="type">The error type.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="param">The field, or null.</param>
    /// <param name="code">The code, or null.</param>
    /// <param name="extension">The <c>llmfunctions</c> object, or null.</param>
    /// <returns>An object serialized as the body.</returns>
    public static object Body(string type, string message, string? param = null, string? code = null, object? extension = null) =>
        extension is null
            ? new { error = new ErrorDetail(message, type, param, code) }
            : new { error = new ErrorDetail(message, type, param, code), llmfunctions = extension };

    private sealed record ErrorDetail(string message, string type, string? param, string? code);

    private sealed class WithRetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
