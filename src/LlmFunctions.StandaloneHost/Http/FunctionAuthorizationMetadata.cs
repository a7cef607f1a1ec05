using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>
/// Endpoint metadata carrying an HTTP function's <see cref="HttpTriggerAttribute.AuthLevel"/>, so that key checks can be
/// added as middleware reading it; nothing enforces it yet.
/// </summary>
/// <param name="Level">The function's authorization level.</param>
/// <param name="FunctionName">The function's name.</param>
public sealed record FunctionAuthorizationMetadata(AuthorizationLevel Level, string FunctionName);
