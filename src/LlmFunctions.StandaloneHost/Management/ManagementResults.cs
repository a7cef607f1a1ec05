using System.Globalization;
using System.Text.Json;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>The management API's responses.</summary>
internal static class ManagementResults
{
    /// <summary>Seconds a client should wait before retrying while storage is unavailable.</summary>
    public const int StorageRetryAfterSeconds = 10;

    /// <summary>Property names are set on each model to the host's; nothing else is renamed.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.General);

    public static IResult Json<T>(T value, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(value, JsonOptions, contentType: "application/json; charset=utf-8", statusCode: statusCode);

    public static IResult Error(int statusCode, string message, string? parameterName = null) =>
        Json(new ErrorPayload(message, parameterName), statusCode);

    public static IResult Status(int statusCode) => Results.StatusCode(statusCode);

    public static IResult StorageUnavailable() => new WithHeaders(
        Error(StatusCodes.Status503ServiceUnavailable, "The durable task store (Azure Storage) is unreachable or overloaded; retry later."),
        ("Retry-After", StorageRetryAfterSeconds.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Adds response headers to another result.</summary>
    public sealed class WithHeaders(IResult inner, params (string Name, string Value)[] headers) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            foreach (var (name, value) in headers)
            {
                httpContext.Response.Headers[name] = value;
            }

            return inner.ExecuteAsync(httpContext);
        }
    }
}
