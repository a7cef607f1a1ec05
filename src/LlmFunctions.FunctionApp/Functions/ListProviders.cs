using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// GET <c>/api/providers</c>: every provider's circuit, cooldown, disable, counters, and the skipped ones. Read from the
/// health cache: this instance's changes and success counts at once, other instances' within the refresh interval.
/// </summary>
internal sealed class ListProviders(ProviderCatalog catalog, ProviderHealthCache health, TimeProvider time)
{
    public async Task<IResult> Run(CancellationToken cancellationToken)
    {
        var known = await health.GetAllAsync(cancellationToken);
        var now = time.GetUtcNow();
        return Results.Json(new ProvidersReport(
            catalog.SimulatorBaseUrl?.ToString(),
            catalog.Providers.Select(p => ProviderStateView.From(p, known, now)).ToList(),
            catalog.Skipped));
    }

    internal sealed record ProvidersReport(string? Simulator, IReadOnlyList<ProviderStateView> Providers, IReadOnlyList<SkippedProvider> Skipped);
}
