using System.Net.Http.Json;
using System.Text.Json;
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
    protected override HttpContent BuildContent(ChatRequest request)
    {
        var body = new OpenAiChatRequest(
            request.Model,
            [.. request.Messages.Select(m => new WireMessage(m.Role, m.Content))],
            request.MaxTokens,
            request.Temperature,
            request.Stream,
            request.Stream && request.IncludeUsage ? new OpenAiStreamOptions(IncludeUsage: true) : null);
        return JsonContent.Create(body, ProviderJsonContext.Default.OpenAiChatRequest);
    }

    /// <inheritdoc />
    protected override (ChatCompletion? Completion, string? Error) ParseCompletion(ReadOnlySpan<byte> body, ChatRequest request)
    {
        var parsed = JsonSerializer.Deserialize(body, ProviderJsonContext.Default.OpenAiChatResponse);
        if (parsed?.Choices is not [var choice, ..])
        {
            return (null, "no choices");
        }

        if (string.IsNullOrWhiteSpace(choice.Message?.Content))
        {
            return (null, "no content");
        }

        return (new ChatCompletion(
            choice.Message.Content,
            string.IsNullOrEmpty(parsed.Model) ? request.Model : parsed.Model,
            choice.FinishReason,
            parsed.Usage?.PromptTokens,
            parsed.Usage?.CompletionTokens), null);
    }
}
