using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>
/// Endpoint metadata carrying an HTTP function's <see cref="HttpTriggerAttribute.AuthLevel"/>, which
/// <c>KeyAuthorizationMiddleware</c> enforces (an endpoint without it needs the master key).
/// </summary>
/// <param name="Level">The function's authorization level.</param>
/// <param name="FunctionName">The function's name.</param>
/// <param name="AcceptsOpenAiKeyHeaders">Whether the route is an OpenAI one (<c>v1/...</c>), where a key is also read
/// from <c>Authorization: Bearer</c> and <c>api-key</c>, as OpenAI and Azure OpenAI clients send it.</param>
public sealed record FunctionAuthorizationMetadata(AuthorizationLevel Level, string FunctionName, bool AcceptsOpenAiKeyHeaders = false);
