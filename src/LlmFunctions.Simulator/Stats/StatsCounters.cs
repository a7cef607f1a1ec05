using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace LlmFunctions.Simulator;

/// <summary>Exact, lock-free call and outcome counters.</summary>
internal sealed class StatsCounters
{
    private ConcurrentDictionary<string, ProviderCounters> _providers = new(StringComparer.Ordinal);

    public void CountCall(string provider) => Interlocked.Increment(ref Get(provider).Calls.Value);

    public void AddBusy(string provider, TimeSpan elapsed) => Interlocked.Add(ref Get(provider).BusyTicks.Value, elapsed.Ticks);

    public void CountOutcome(string provider, string outcome) =>
        Interlocked.Increment(ref Get(provider).Outcomes.GetOrAdd(outcome, static _ => new StrongBox<long>()).Value);

    public void Reset() => Interlocked.Exchange(ref _providers, new(StringComparer.Ordinal));

    public SimulatorStats Snapshot() => new(_providers.ToDictionary(
        pair => pair.Key,
        pair => new ProviderStats(
            Interlocked.Read(ref pair.Value.Calls.Value),
            pair.Value.Outcomes.ToDictionary(o => o.Key, o => Interlocked.Read(ref o.Value.Value), StringComparer.Ordinal),
            TimeSpan.FromTicks(Interlocked.Read(ref pair.Value.BusyTicks.Value))),
        StringComparer.Ordinal));

    public static JsonObject ToJson(SimulatorStats stats)
    {
        var providers = new JsonObject();
        foreach (var (name, provider) in stats.Providers.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var outcomes = new JsonObject();
            foreach (var (outcome, count) in provider.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                outcomes[outcome] = count;
            }

            providers[name] = new JsonObject { ["calls"] = provider.Calls, ["busyMs"] = Math.Round(provider.BusyTime.TotalMilliseconds, 1), ["outcomes"] = outcomes };
        }

        return new JsonObject { ["providers"] = providers };
    }

    private ProviderCounters Get(string provider) => _providers.GetOrAdd(provider, static _ => new ProviderCounters());

    private sealed class ProviderCounters
    {
        public StrongBox<long> Calls { get; } = new();

        public StrongBox<long> BusyTicks { get; } = new();

        public ConcurrentDictionary<string, StrongBox<long>> Outcomes { get; } = new(StringComparer.Ordinal);
    }
}
