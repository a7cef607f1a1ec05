using System.Text.Json;
using LlmFunctions.Providers.Wire;
using LlmFunctions.Security;

namespace LlmFunctions.Providers;

/// <summary>Speaks Cloudflare Workers AI: <c>POST {BaseUrl}/accounts/{AccountId}/ai/run/{model}</c>.</summary>
/// <param name="httpClient">The client to send with (see <see cref="ProviderHttpHandler"/>).</param>
/// <param name="redactor">Removes secrets from body excerpts.</param>
public sealed class CloudflareWorkersAiAdapter(HttpClient httpClient, SecretRedactor redactor)
    : ProviderAdapterBase(httpClient, redactor)
{
    /// <inheritdoc />
    public override ProviderKind Kind => ProviderKind.CloudflareWorkersAi;

    /// <inheritdoc />
    protected override Uri BuildUri(ProviderEndpoint endpoint, ChatRequest request)
    {
        if (string.IsNullOrWhiteSpace(endpoint.CloudflareAccountId))
        {
            throw new ArgumentException($"Provider '{endpoint.Name}' has no Cloudflare account id.", nameof(endpoint));
        }

        return Combine(
            endpoint.BaseUrl,
            $"accounts/{Uri.EscapeDataString(endpoint.CloudflareAccountId)}/ai/run/{EscapeModelPath(request.Model)}");
    }

    /// <inheritdoc />
    protected override HttpContent BuildContent(ChatRequest request) =>
        JsonBody(CloudflareTranslation.Write(request));

    /// <inheritdoc />
    protected override (ChatCompletion? Completion, string? Error) ParseCompletion(ReadOnlySpan<byte> body, ChatRequest request)
    {
        var parsed = JsonSerializer.Deserialize(body, ProviderJsonContext.Default.CloudflareRunResponse);
        if (parsed is null || parsed.Success == false)
        {
            return (null, "success=false");
        }

        if (string.IsNullOrWhiteSpace(parsed.Result?.Response))
        {
            return (null, "no result.response");
        }

        return (CompletionBody.FromText(
            parsed.Result.Response,
            request.Model,
            "stop",
            parsed.Result.Usage?.PromptTokens,
            parsed.Result.Usage?.CompletionTokens,
            request.PromptChars), null);
    }

    // Model ids such as "@cf/meta/llama-3.1-8b-instruct" are paths: keep '/' and '@', escape the rest.
    private static string EscapeModelPath(string model) =>
        string.Join('/', model.Split('/').Select(segment => Uri.EscapeDataString(segment).Replace("%40", "@", StringComparison.Ordinal)));
}
