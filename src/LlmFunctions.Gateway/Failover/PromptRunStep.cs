using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>Where a run stopped: a <see cref="Finish"/>, or a <see cref="WaitThenRetry"/> the caller must wait out.</summary>
/// <param name="State">The state to persist or to pass back to <c>PromptRunner.RunAsync</c> after the wait.</param>
/// <param name="Decision">The decision the run stopped at: <see cref="Finish"/> or <see cref="WaitThenRetry"/>.</param>
/// <param name="Completion">The winning completion, when the run finished with success.</param>
public sealed record PromptRunStep(FailoverState State, FailoverDecision Decision, ChatCompletion? Completion)
{
    /// <summary>Gets the finish, when the run is over.</summary>
    public Finish? Finish => Decision as Finish;
}
