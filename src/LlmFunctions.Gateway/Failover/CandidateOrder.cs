using LlmFunctions.Health;

namespace LlmFunctions.Failover;

/// <summary>
/// Orders a request's candidates by its provider hints, then by the spreading strategy. Pure: the same candidates,
/// instant and randomizer give the same order. It only orders; <see cref="FailoverPolicy"/> still skips a candidate
/// that is disabled, cooling down, open, probed by someone else or suspected of hanging, whatever its place.
/// </summary>
public static class CandidateOrder
{
    private static readonly (string Name, SpreadingStrategy Strategy)[] Strategies =
    [
        ("priority", SpreadingStrategy.Priority),
        ("weighted", SpreadingStrategy.Weighted),
        ("least-busy", SpreadingStrategy.LeastBusy),
        ("quota-aware", SpreadingStrategy.QuotaAware),
    ];

    /// <summary>Gets the setting values, for messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Strategies.Select(s => s.Name)];

    /// <summary>Parses a <c>Spreading</c> setting value (case-insensitive).</summary>
    /// <param name="value">The setting value.</param>
    /// <returns>The strategy, or null when the value names none.</returns>
    public static SpreadingStrategy? Parse(string? value)
    {
        foreach (var (name, strategy) in Strategies)
        {
            if (string.Equals(name, value?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return strategy;
            }
        }

        return null;
    }

    /// <summary>Orders the candidates: hinted ones first in hint order, then by <paramref name="strategy"/>; ties keep
    /// the priority order (and, for equal priorities, the configured order).</summary>
    /// <param name="candidates">The candidates in configured order.</param>
    /// <param name="hints">Provider names or <c>provider/model</c> keys the request prefers, in order.</param>
    /// <param name="strategy">The spreading strategy.</param>
    /// <param name="now">The current instant (a reported window that has reset is full again).</param>
    /// <param name="random">Returns a value in [0, 1); called once per candidate, in order, by <c>weighted</c> only.</param>
    /// <returns>The ordered candidates.</returns>
    public static List<Candidate> Order(
        IReadOnlyList<Candidate> candidates, IReadOnlyList<string> hints, SpreadingStrategy strategy, DateTimeOffset now, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(hints);
        ArgumentNullException.ThrowIfNull(random);

        int Rank(Candidate c)
        {
            for (var i = 0; i < hints.Count; i++)
            {
                if (string.Equals(hints[i], c.Key.Provider, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(hints[i], c.Key.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            return int.MaxValue;
        }

        // OrderBy is stable: equal keys keep the configured order.
        var hinted = candidates.OrderBy(Rank);
        var weighted = strategy == SpreadingStrategy.Weighted ? WeightedKeys(candidates, random) : null;
        var spread = strategy switch
        {
            SpreadingStrategy.Weighted => hinted.ThenBy(c => weighted![c.Key]),
            SpreadingStrategy.LeastBusy => hinted.ThenBy(c => c.InFlight),
            SpreadingStrategy.QuotaAware => hinted
                .ThenBy(c => QuotaGroup(c, now))
                .ThenByDescending(c => RequestsLeft(c, now) ?? 0)
                .ThenBy(c => c.Health.Quota?.RequestsResetAt ?? DateTimeOffset.MaxValue),
            _ => hinted,
        };
        return [.. spread.ThenBy(c => c.Priority)];
    }

    // Weighted sampling without replacement (Efraimidis–Spirakis): the key -ln(u)/w is smallest first, so a candidate
    // comes first with probability weight / total weight.
    private static Dictionary<ProviderKey, double> WeightedKeys(IReadOnlyList<Candidate> candidates, Func<double> random)
    {
        var keys = new Dictionary<ProviderKey, double>();
        foreach (var candidate in candidates)
        {
            var u = Math.Clamp(random(), 0, 1 - 1e-12);
            keys[candidate.Key] = -Math.Log(1 - u) / Math.Max(candidate.Weight, 1e-9);
        }

        return keys;
    }

    // 0: requests known to be left (most first); 1: nothing known (priority order); 2: none left in a live window
    // (the earliest reset first), so a provider is not asked for what it said it has not got.
    private static int QuotaGroup(Candidate candidate, DateTimeOffset now) => RequestsLeft(candidate, now) switch
    {
        null => 1,
        <= 0 => 2,
        _ => 0,
    };

    // What the provider last reported left, less this instance's calls still in flight to it: each will use one of
    // them, and the count they bring back is not known until they answer.
    private static int? RequestsLeft(Candidate candidate, DateTimeOffset now) =>
        candidate.Health.Quota?.RequestsLeftAt(now) is { } left ? left - candidate.InFlight : null;
}
