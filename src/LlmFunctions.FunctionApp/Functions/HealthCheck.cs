using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>GET <c>/api/health</c>: whether the app can reach its Storage account, and how many providers it may call.</summary>
internal sealed class HealthCheck(ProviderCatalog catalog, ProviderHealthStore health)
{
    public async Task<IResult> Run(CancellationToken cancellationToken)
    {
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
