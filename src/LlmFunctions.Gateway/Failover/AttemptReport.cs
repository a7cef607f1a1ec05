using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>
/// What came of one <see cref="AttemptProvider"/> decision, as made by <see cref="PromptRunner.AttemptAsync"/>: either a
/// call with its classified outcome, or no call because the provider's fresh health blocked it (its circuit opened, a
/// cooldown or disable began, or another caller holds its probe) since the decision was made. Serializable, so a
/// durable activity can return it.
/// </summary>
/// <param name="Key">The provider and model.</param>
/// <param name="Outcome">The classified outcome, or null when no call was made.</param>
/// <param name="StartedAt">When the call started (or the health was read).</param>
/// <param name="FinishedAt">When the outcome was known.</param>
/// <param name="Health">The provider's health after the attempt, when it could be read or written.</param>
/// <param name="Completion">The completion, when the call succeeded.</param>
/// <param name="Blocked">Why no call was made, when none was.</param>
public sealed record AttemptReport(
    ProviderKey Key,
    AttemptOutcome? Outcome,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    ProviderHealth? Health,
    ChatCompletion? Completion,
    SkipProvider? Blocked)
{
    /// <summary>Gets a value indicating whether the provider failed in a way worth retrying on the same provider
    /// (<see cref="ErrorClass.Transient"/> or <see cref="ErrorClass.MalformedResponse"/>).</summary>
    public bool IsTransientFailure => Outcome?.Class is ErrorClass.Transient or ErrorClass.MalformedResponse;
}
