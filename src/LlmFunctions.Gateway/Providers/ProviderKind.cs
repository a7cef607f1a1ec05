namespace LlmFunctions.Providers;

/// <summary>The wire protocol a provider speaks.</summary>
public enum ProviderKind
{
    /// <summary>OpenAI-compatible <c>POST {BaseUrl}/chat/completions</c>.</summary>
    OpenAiCompatible,

    /// <summary>Cloudflare Workers AI <c>POST {BaseUrl}/accounts/{AccountId}/ai/run/{model}</c>.</summary>
    CloudflareWorkersAi,
}
