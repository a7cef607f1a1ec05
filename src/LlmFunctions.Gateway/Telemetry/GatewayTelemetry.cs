using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LlmFunctions.Telemetry;

/// <summary>
/// The gateway's one trace source and the name of its one meter (see <see cref="GatewayMetrics"/>). Hosts subscribe to
/// both by <see cref="Name"/>; nothing else in the app creates a <see cref="Meter"/> or an <see cref="ActivitySource"/>.
/// </summary>
public static class GatewayTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "LlmFunctions";

    /// <summary>The activity source: a child span per provider attempt under the request's span.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);
}
