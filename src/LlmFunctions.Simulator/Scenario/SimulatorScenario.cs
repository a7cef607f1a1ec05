namespace LlmFunctions.Simulator;

/// <summary>A fleet of simulated providers, read from a JSON scenario file (see docs/simulator.md).</summary>
public sealed class SimulatorScenario
{
    internal SimulatorScenario(IReadOnlyList<ProviderScenario> providers)
    {
        Providers = providers;
    }

    /// <summary>A free-text description of what the scenario plays.</summary>
    public string? Description { get; internal init; }

    /// <summary>The seed of the per-provider random faults and latencies (default 1).</summary>
    public int Seed { get; internal init; } = 1;

    /// <summary>Multiplies every duration: latencies, windows, Retry-After values, quota periods (default 1.0).</summary>
    public double TimeScale { get; internal init; } = 1.0;

    /// <summary>The providers, in file order.</summary>
    public IReadOnlyList<ProviderScenario> Providers { get; }

    /// <summary>Reads and validates a scenario file.</summary>
    /// <param name="path">The JSON file.</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="SimulatorScenarioException">The file is missing, unreadable or invalid.</exception>
    public static SimulatorScenario Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SimulatorScenarioException($"{path}: cannot read scenario file: {ex.Message}", ex);
        }

        return Parse(json);
    }

    /// <summary>Parses and validates scenario JSON.</summary>
    /// <param name="json">The scenario JSON.</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="SimulatorScenarioException">The JSON is malformed or a field is invalid.</exception>
    public static SimulatorScenario Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ScenarioParser.Parse(json);
    }
}
