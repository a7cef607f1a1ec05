using LlmFunctions.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LlmFunctions.FunctionApp.Telemetry;

/// <summary>
/// OpenTelemetry for both hosts: the gateway's meter and activity source (<see cref="GatewayTelemetry.Name"/>) and
/// ASP.NET Core's request metrics and spans (<c>http.server.request.duration</c> by route and status, a span per
/// request with each provider attempt as a child; spans only when OTLP or Azure Monitor is configured). Exported over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> setting is present; each host adds its own reader on top (the standalone host a
/// Prometheus scrape endpoint, the Functions worker Azure Monitor).
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>The standard OpenTelemetry setting naming the OTLP collector; unset means no OTLP export.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Set by Azure when the app has Application Insights; the Functions worker exports to Azure Monitor then.</summary>
    public const string AzureMonitorSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Adds the app's metrics and traces.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration holding <see cref="OtlpEndpointSetting"/>.</param>
    /// <returns>The OpenTelemetry builder, for a host's own exporters.</returns>
    public static OpenTelemetryBuilder AddAppTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var otlp = !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]);
        var builder = services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(GatewayTelemetry.Name).AddAspNetCoreInstrumentation());
        // Spans nobody exports are pure cost on every request (a listener makes every span real): traced only when an
        // exporter takes them.
        if (otlp || !string.IsNullOrWhiteSpace(configuration[AzureMonitorSetting]))
        {
            builder.WithTracing(t => t.AddSource(GatewayTelemetry.Name).AddAspNetCoreInstrumentation());
        }

        if (otlp)
        {
            builder.UseOtlpExporter();
        }

        return builder;
    }
}
