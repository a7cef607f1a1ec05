using LlmFunctions.Health;
using LlmFunctions.Providers;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>HTTP trigger <c>HealthCheck</c>, GET <c>/api/health</c>: whether the app can reach its Storage account,
/// and how many providers it may call. Anonymous, for load balancers and probes.</summary>
/// <param name="catalog">The providers.</param>
/// <param name="health">The health store, whose table read tells whether storage answers.</param>
public sealed class HealthCheck(ProviderCatalog catalog, ProviderHealthStore health)
{
    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>200 healthy, or 503 naming what is wrong.</returns>
    [Function(nameof(HealthCheck))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        _ = request;
        try
        {
            await health.GetAllAsync(cancellationToken);
        }
        catch (Azure.RequestFailedException ex)
        {
            return Results.Json(new HealthReport("unhealthy", $"storage unreachable: HTTP {ex.Status} {ex.ErrorCode}", catalog.Providers.Count, catalog.Skipped.Count), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (HttpRequestException ex)
        {
            return Results.Json(new HealthReport("unhealthy", $"storage unreachable: {ex.HttpRequestError}", catalog.Providers.Count, catalog.Skipped.Count), statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return Results.Json(new HealthReport("healthy", "ok", catalog.Providers.Count, catalog.Skipped.Count));
    }

    internal sealed record HealthReport(string Status, string Storage, int Providers, int SkippedProviders);
}
