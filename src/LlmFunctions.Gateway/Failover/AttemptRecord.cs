using LlmFunctions.Classification;
using LlmFunctions.Health;

namespace LlmFunctions.Failover;

/// <summary>One call to one provider and its classified outcome.</summary>
/// <param name="Key">The provider and model called.</param>
/// <param name="AttemptNumber">The 1-based attempt number on that provider within this request.</param>
/// <param name="StartedAt">When the call started.</param>
/// <param name="FinishedAt">When the outcome was known.</param>
/// <param name="WaitBefore">How long the request waited before this attempt (backoff or Retry-After).</param>
/// <param name="PromptChars">The size of the prompt sent.</param>
/// <param name="Truncated">Whether the prompt sent was truncated to the provider's budget.</param>
/// <param name="Outcome">The classified outcome.</param>
public sealed record AttemptRecord(
    ProviderKey Key,
    int AttemptNumber,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    TimeSpan WaitBefore,
    int PromptChars,
    bool Truncated,
    AttemptOutcome Outcome) : HistoryEntry
{
    /// <summary>Gets how long the call took.</summary>
    public TimeSpan Duration => FinishedAt - StartedAt;
}
