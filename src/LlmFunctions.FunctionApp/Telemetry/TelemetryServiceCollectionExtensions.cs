using LlmFunctions.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LlmFunctions.FunctionApp.Telemetry;

/// <summary>
/// OpenTelemetry for both hosts: the gateway's meter and activity source (<see cref="GatewayTelemetry.Name"/>) and
/// ASP.NET Core's request metrics and spans (<c>http.server.request.duration</c> by route and status, a span per
/// request with each provider attempt as a child). Exported over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> setting is present; each host adds its own reader on top (the standalone host a
/// Prometheus scrape endpoint, the Functions worker Azure Monitor).
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The standard OpenTelemetry setting naming the OTLP collector; unset means no OTLP export.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Adds the app's metrics and traces.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration holding <see cref="OtlpEndpointSetting"/>.</param>
    /// <returns>The OpenTelemetry builder, for a host's own exporters.</returns>
    public static OpenTelemetryBuilder AddAppTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(GatewayTelemetry.Name).AddAspNetCoreInstrumentation())
            .WithTracing(t => t.AddSource(GatewayTelemetry.Name).AddAspNetCoreInstrumentation());
        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]))
        {
            builder.UseOtlpExporter();
        }

        return builder;
    }
}
