using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Activity <c>AttemptProvider</c>: one provider call through its pipeline (concurrency limit, attempt timeout),
/// classified and recorded in the shared health, unless the provider's fresh health blocks it. A transient failure is
/// thrown as <see cref="TransientAttemptException"/> so that Durable's retry takes it; every other outcome is returned.
/// </summary>
/// <param name="runner">The failover runner, which makes the attempt.</param>
public sealed class AttemptProviderActivity(PromptRunner runner)
{
    /// <summary>Makes the attempt.</summary>
    /// <param name="input">The attempt and the prompt.</param>
    /// <param name="cancellationToken">Stops the call when the host stops.</param>
    /// <returns>What came of it.</returns>
    [Function(PromptOrchestration.AttemptProviderName)]
    public async Task<AttemptReport> Run([ActivityTrigger] AttemptInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var report = await runner.AttemptAsync(input.Attempt, input.Request, cancellationToken);
        if (report.Outcome?.Class == Classification.ErrorClass.Cancelled)
        {
            // The host is stopping, not a caller: leave the activity to be run again.
            cancellationToken.ThrowIfCancellationRequested();
        }

        return report.IsTransientFailure ? throw new TransientAttemptException(report) : report;
    }
}
