namespace LlmFunctions.Simulator;

/// <summary>How <see cref="SimulatorServer.StartAsync"/> hosts a scenario.</summary>
public sealed class SimulatorServerOptions
{
    /// <summary>The port on 127.0.0.1; 0 (default) lets Kestrel pick a free one, read back from <see cref="SimulatorServer.BaseAddress"/>.</summary>
    public int Port { get; init; }

    /// <summary>The clock for latencies, rate windows, quota periods and Retry-After dates (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Overrides the scenario's <c>seed</c> when set.</summary>
    public int? Seed { get; init; }
}
