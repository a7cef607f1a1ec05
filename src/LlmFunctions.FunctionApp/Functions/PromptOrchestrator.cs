using System.Text.Json;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>Orchestrator <c>PromptOrchestrator</c>: one prompt through the failover policy (see <see cref="PromptOrchestration"/>).</summary>
public static class PromptOrchestrator
{
    /// <summary>The function's name.</summary>
    public const string Name = nameof(PromptOrchestrator);

    /// <summary>Runs the orchestration.</summary>
    /// <param name="context">The orchestration context.</param>
    /// <returns>The output document.</returns>
    [Function(Name)]
    public static Task<JsonElement> Run([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.GetInput<PromptInput>() ?? throw new InvalidOperationException("A PromptOrchestrator instance needs a PromptInput.");
        return new PromptOrchestration(context, input).RunAsync();
    }
}
