using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// GET <c>/dashboard</c>: one static HTML page (no build step) showing each provider and model's state, until when and
/// why, counters, the recent error rate and the recent alerts, with reset, disable and enable buttons calling
/// <see cref="ProviderAdmin"/>; it refreshes itself. The admin key comes from <c>?code=</c> once and is sent as
/// <c>x-functions-key</c>, kept in the tab's session storage only.
/// </summary>
public sealed class ProviderDashboard
{
    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(ProviderDashboard).Assembly.GetManifestResourceStream("LlmFunctions.FunctionApp.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>Serves the page.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The HTML page.</returns>
    [Function(nameof(ProviderDashboard))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "dashboard")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The key may arrive in the URL: no caching, no referrer carrying it elsewhere.
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        request.HttpContext.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(Page.Value, "text/html; charset=utf-8");
    }
}
