using LlmFunctions.Classification;

namespace LlmFunctions.Providers;

/// <summary>One provider call's classified outcome, its completion when it succeeded, and how long it took.</summary>
/// <param name="Outcome">The classified outcome.</param>
/// <param name="Completion">The completion, when <see cref="ErrorClass.Success"/>.</param>
/// <param name="Duration">The wall time of the call.</param>
public sealed record AttemptResult(AttemptOutcome Outcome, ChatCompletion? Completion, TimeSpan Duration);
