namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// Issues the <c>code</c> a check-status response puts in an instance's <c>statusQueryGetUri</c>, so that whoever started
/// the instance can poll it without the master key (in Azure the Functions host puts its system key there). Registered
/// by the standalone host when it enforces keys; absent under the Functions host, which writes its own links.
/// </summary>
public interface IStatusLinkCodes
{
    /// <summary>The code that opens the status of <paramref name="instanceId"/> only; null when none is needed.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <returns>The code, URL-safe.</returns>
    string? CodeFor(string instanceId);
}
