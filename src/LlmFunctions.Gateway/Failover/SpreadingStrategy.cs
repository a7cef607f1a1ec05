namespace LlmFunctions.Failover;

/// <summary>How requests are spread among the candidates that may serve them (<c>LlmFunctions:Failover:Spreading</c>).
/// Every strategy only orders candidates: a probe, a cooldown, a disable or a suspect hang still rules over it.</summary>
public enum SpreadingStrategy
{
    /// <summary><c>priority</c>: the configured order; the next candidate only when the first cannot serve.</summary>
    Priority,

    /// <summary><c>weighted</c>: a random order drawn by each provider's <c>Weight</c> (its share of first places).</summary>
    Weighted,

    /// <summary><c>least-busy</c>: fewest calls in flight on this instance first; ties by priority.</summary>
    LeastBusy,

    /// <summary><c>quota-aware</c>: most requests left in the provider's reported rate-limit window first.</summary>
    QuotaAware,
}
