namespace LlmFunctions.Simulator;

/// <summary>All provider runtimes of a scenario; <see cref="Reset"/> rebuilds them from scratch.</summary>
internal sealed class Fleet(SimulatorScenario scenario, int seed)
{
    private Dictionary<string, ProviderRuntime> _providers = Build(scenario, seed);

    public SimulatorScenario Scenario => scenario;

    public ProviderRuntime? Find(string name) => Volatile.Read(ref _providers).GetValueOrDefault(name);

    public void Reset() => Volatile.Write(ref _providers, Build(scenario, seed));

    private static Dictionary<string, ProviderRuntime> Build(SimulatorScenario scenario, int seed) =>
        scenario.Providers
            .Select((provider, index) => new ProviderRuntime(provider, scenario.TimeScale, unchecked((seed * 7919) + index)))
            .ToDictionary(runtime => runtime.Spec.Name, StringComparer.OrdinalIgnoreCase);
}
