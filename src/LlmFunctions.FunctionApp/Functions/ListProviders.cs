using LlmFunctions.Health;
using LlmFunctions.Providers;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// GET <c>/api/providers</c>: every provider's circuit, cooldown, disable, counters, and the skipped ones. Read from the
/// health cache: this instance's changes and success counts at once, other instances' within the refresh interval.
/// </summary>
/// <param name="catalog">The providers.</param>
/// <param name="health">The health cache.</param>
/// <param name="time">The time source.</param>
public sealed class ListProviders(ProviderCatalog catalog, ProviderHealthCache health, TimeProvider time)
{
    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>The providers' states.</returns>
    [Function(nameof(ListProviders))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/providers")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        _ = request;
        var known = await health.GetAllAsync(cancellationToken);
        var now = time.GetUtcNow();
        return Results.Json(new ProvidersReport(
            catalog.SimulatorBaseUrl?.ToString(),
            catalog.Providers.Select(p => ProviderStateView.From(p, known, now)).ToList(),
            catalog.Skipped));
    }

    internal sealed record ProvidersReport(string? Simulator, IReadOnlyList<ProviderStateView> Providers, IReadOnlyList<SkippedProvider> Skipped);
}
