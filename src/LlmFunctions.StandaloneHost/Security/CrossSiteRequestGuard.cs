using LlmFunctions.FunctionApp.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>
/// Refuses what a foreign web page can make a browser send without a CORS preflight, on every state-changing request
/// (any method but GET, HEAD, OPTIONS): an <c>Origin</c> other than the app's own (the request's, or
/// <see cref="HttpOptions.PublicBaseUrl"/>'s) or one of <see cref="HttpOptions.AllowedOrigins"/> (403), a
/// <c>Sec-Fetch-Site</c> of <c>cross-site</c> or <c>same-site</c> without such an origin (403), and a body sent as
/// <c>text/plain</c>, form data or multipart, the "simple" types (415: the app reads JSON only).
/// </summary>
internal sealed class CrossSiteRequestGuard(RequestDelegate next, IOptions<HttpOptions> options, ILogger<CrossSiteRequestGuard> logger)
{
    private static readonly string[] SimpleContentTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"];

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return next(context);
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(request, origin))
        {
            return Refuse(context, StatusCodes.Status403Forbidden, "cross_site_request", "Origin",
                "A state-changing request from another site's page is refused: its Origin is not this app's nor an allowed one (LlmFunctions:Http:AllowedOrigins).");
        }

        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (origin.Length == 0 && fetchSite is "cross-site" or "same-site")
        {
            return Refuse(context, StatusCodes.Status403Forbidden, "cross_site_request", "Sec-Fetch-Site",
                $"A state-changing request from another site's page (Sec-Fetch-Site: {fetchSite}) is refused.");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            && SimpleContentTypes.Any(t => contentType.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase)))
        {
            return Refuse(context, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Content-Type",
                $"Content-Type {contentType.MediaType} is not accepted: send JSON with Content-Type: application/json.");
        }

        return next(context);
    }

    private bool IsAllowedOrigin(HttpRequest request, string origin)
    {
        var trimmed = origin.TrimEnd('/');
        if (string.Equals(trimmed, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var settings = options.Value;
        if (settings.PublicBase is { } publicBase && string.Equals(trimmed, publicBase.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return settings.AllowedOriginList.Contains(trimmed, StringComparer.OrdinalIgnoreCase);
    }

    private Task Refuse(HttpContext context, int status, string code, string param, string message)
    {
        SecurityLog.Refused(logger, context, status, code, null);
        return OpenAiErrorResponse.WriteAsync(context, status, "invalid_request_error", code, message, param);
    }
}
