using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Storage;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>HTTP trigger <c>HealthCheck</c>, GET <c>/api/health</c>: whether the app can reach its Storage account,
/// and how many providers it may call. Anonymous, for load balancers and probes.</summary>
/// <param name="catalog">The providers.</param>
/// <param name="health">The health store, whose table read tells whether storage answers.</param>
/// <param name="time">The clock that bounds the storage check.</param>
public sealed class HealthCheck(ProviderCatalog catalog, ProviderHealthStore health, TimeProvider time)
{
    /// <summary>The longest the storage check may take: a probe gets its answer while Storage does not give one.</summary>
    public static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(2);

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
        using var timeout = new CancellationTokenSource(StorageTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await health.GetAllAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Unhealthy($"storage unreachable: no answer within {StorageTimeout.TotalSeconds:0} s");
        }
        catch (Azure.RequestFailedException ex) when (ex.Status != 0)
        {
            return Unhealthy($"storage unreachable: HTTP {ex.Status} {ex.ErrorCode}");
        }
        catch (Exception ex) when (StorageFailure.IsUnavailable(ex))
        {
            return Unhealthy($"storage unreachable: {StorageFailure.Describe(ex)}");
        }

        return Results.Json(new HealthReport("healthy", "ok", catalog.Providers.Count, catalog.Skipped.Count));
    }

    private IResult Unhealthy(string storage) =>
        Results.Json(new HealthReport("unhealthy", storage, catalog.Providers.Count, catalog.Skipped.Count), statusCode: StatusCodes.Status503ServiceUnavailable);

    internal sealed record HealthReport(string Status, string Storage, int Providers, int SkippedProviders);
}
