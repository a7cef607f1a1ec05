namespace LlmFunctions.Simulator;

/// <summary>A snapshot of one provider's counters.</summary>
public sealed class ProviderStats
{
    internal ProviderStats(long calls, IReadOnlyDictionary<string, long> outcomes, TimeSpan busyTime = default)
    {
        Calls = calls;
        Outcomes = outcomes;
        BusyTime = busyTime;
    }

    /// <summary>Every call that reached the provider's routes.</summary>
    public long Calls { get; }

    /// <summary>The summed time from each call's arrival to its answer (the simulator's clock), so what callers spent
    /// waiting on this provider.</summary>
    public TimeSpan BusyTime { get; }

    /// <summary>Counts by outcome name (see <see cref="SimulatorOutcomes"/>); outcomes never seen are absent.</summary>
    public IReadOnlyDictionary<string, long> Outcomes { get; }

    /// <summary>The count of one outcome, 0 when never seen.</summary>
    /// <param name="outcome">An outcome name such as <see cref="SimulatorOutcomes.Ok"/>.</param>
    /// <returns>The count.</returns>
    public long Count(string outcome) => Outcomes.GetValueOrDefault(outcome);
}
