using LlmFunctions.Providers.Wire;
using LlmFunctions.Security;

namespace LlmFunctions.Providers;

/// <summary>Speaks the OpenAI chat completions protocol: <c>POST {BaseUrl}/chat/completions</c>.</summary>
/// <param name="httpClient">The client to send with (see <see cref="ProviderHttpHandler"/>).</param>
/// <param name="redactor">Removes secrets from body excerpts.</param>
public sealed class OpenAiCompatibleAdapter(HttpClient httpClient, SecretRedactor redactor)
    : ProviderAdapterBase(httpClient, redactor)
{
    /// <inheritdoc />
    public override ProviderKind Kind => ProviderKind.OpenAiCompatible;

    /// <inheritdoc />
    protected override Uri BuildUri(ProviderEndpoint endpoint, ChatRequest request) =>
        Combine(endpoint.BaseUrl, "chat/completions");

    /// <inheritdoc />
    protected override HttpContent BuildContent(ChatRequest request) =>
        JsonBody(OpenAiRequestBody.Write(request));

    /// <inheritdoc />
    protected override (ChatCompletion? Completion, string? Error) ParseCompletion(ReadOnlySpan<byte> body, ChatRequest request) =>
        CompletionBody.FromOpenAi(body, request);
}
