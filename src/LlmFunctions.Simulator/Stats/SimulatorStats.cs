namespace LlmFunctions.Simulator;

/// <summary>A snapshot of the simulator's counters, keyed by provider name as called.</summary>
public sealed class SimulatorStats
{
    internal SimulatorStats(IReadOnlyDictionary<string, ProviderStats> providers)
    {
        Providers = providers;
    }

    /// <summary>Per-provider counters; a provider never called is absent.</summary>
    public IReadOnlyDictionary<string, ProviderStats> Providers { get; }

    /// <summary>The counters of one provider, empty when never called.</summary>
    /// <param name="provider">The provider name.</param>
    /// <returns>Its counters.</returns>
    public ProviderStats For(string provider) =>
        Providers.TryGetValue(provider, out var stats) ? stats : new ProviderStats(0, new Dictionary<string, long>());
}
