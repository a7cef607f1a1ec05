using LlmFunctions.Failover;
using LlmFunctions.Routes;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// The input of a <c>PromptOrchestrator</c> instance: the prompt and the failover settings it started with (so that a
/// replay after a settings change or a new deployment makes the same decisions), and, for a request handed off by
/// <c>ChatCompletions</c>, the state it had reached.
/// </summary>
/// <param name="Request">The prompt.</param>
/// <param name="Failover">The failover settings in force when the instance started.</param>
/// <param name="Resume">The state to continue from (its candidates' health is re-read), or null to start afresh.</param>
/// <param name="Candidates">The candidates and their health as read when the prompt was started (<c>StartPrompt</c>
/// reads them from the health cache), or null: the instance then reads them with the <c>ReadProviderHealth</c>
/// activity before its first decision.</param>
/// <param name="Route">Where the request stands in its route's chain (<see cref="Resume"/> is the state of its current
/// stage), or null for the default path from <see cref="Request"/> (instances started before routes existed).</param>
public sealed record PromptInput(
    PromptRequest Request, FailoverOptions Failover, FailoverState? Resume = null, IReadOnlyList<Candidate>? Candidates = null, RouteRun? Route = null);

/// <summary>The input of one <c>AttemptProvider</c> activity.</summary>
/// <param name="Attempt">The attempt as the policy decided it (provider, model, messages after any truncation).</param>
/// <param name="Request">The prompt (sampling settings).</param>
public sealed record AttemptInput(AttemptProvider Attempt, PromptRequest Request);
