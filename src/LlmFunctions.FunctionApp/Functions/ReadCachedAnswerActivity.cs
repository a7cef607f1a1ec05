using LlmFunctions.Caching;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>Activity <c>ReadCachedAnswer</c>: a route's cached answer to a request, read through an activity so that an
/// orchestration replays with the answer it saw. A miss, an expired entry and storage out of reach are all null.</summary>
/// <param name="answers">The response cache.</param>
public sealed class ReadCachedAnswerActivity(ResponseCache answers)
{
    /// <summary>Reads the entry.</summary>
    /// <param name="key">The request's cache key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entry, or null.</returns>
    [Function(PromptOrchestration.ReadCachedAnswerName)]
    public Task<CachedAnswer?> Run([ActivityTrigger] string key, CancellationToken cancellationToken) =>
        answers.TryGetAsync(key, cancellationToken);
}
