using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>Activity <c>ReadProviderHealth</c>: the providers and models a prompt may use, with their shared health,
/// read through an activity so that an orchestration replays with the health it saw.</summary>
/// <param name="runner">The failover runner, which knows the catalog and the health cache.</param>
public sealed class ReadProviderHealthActivity(PromptRunner runner)
{
    /// <summary>Reads the candidates.</summary>
    /// <param name="input">Unused; an activity trigger needs a parameter.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One candidate per provider and model, in the configured order.</returns>
    [Function(PromptOrchestration.ReadProviderHealthName)]
    public async Task<List<Candidate>> Run([ActivityTrigger] string? input, CancellationToken cancellationToken)
    {
        _ = input;
        return [.. await runner.ReadCandidatesAsync(cancellationToken)];
    }
}
