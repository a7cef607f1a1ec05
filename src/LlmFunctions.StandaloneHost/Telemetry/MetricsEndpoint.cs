using LlmFunctions.StandaloneHost.Http;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.StandaloneHost.Telemetry;

/// <summary>The Prometheus scrape endpoint of the standalone host, at admin level like the host's own admin APIs.</summary>
public static class MetricsEndpoint
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string Path = "/admin/metrics";

    /// <summary>Maps OpenTelemetry's Prometheus exporter at <see cref="Path"/>, marked <see cref="AuthorizationLevel.Admin"/>
    /// so that the host's key check asks for the master key, as it does for the functions' admin routes.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <returns>The same builder.</returns>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(Path)
            .WithMetadata(new FunctionAuthorizationMetadata(AuthorizationLevel.Admin, "Metrics"));
        return endpoints;
    }
}
