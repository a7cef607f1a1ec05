namespace LlmFunctions.Simulator;

/// <summary>A snapshot of one provider's counters.</summary>
public sealed class ProviderStats
{
    internal ProviderStats(long calls, IReadOnlyDictionary<string, long> outcomes)
    {
        Calls = calls;
        Outcomes = outcomes;
    }

    /// <summary>Every call that reached the provider's routes.</summary>
    public long Calls { get; }

    /// <summary>Counts by outcome name (see <see cref="SimulatorOutcomes"/>); outcomes never seen are absent.</summary>
    public IReadOnlyDictionary<string, long> Outcomes { get; }

    /// <summary>The count of one outcome, 0 when never seen.</summary>
    /// <param name="outcome">An outcome name such as <see cref="SimulatorOutcomes.Ok"/>.</param>
    /// <returns>The count.</returns>
    public long Count(string outcome) => Outcomes.GetValueOrDefault(outcome);
}
