namespace LlmFunctions.Providers;

/// <summary>Where and how to reach one provider.</summary>
/// <param name="Name">The provider's name (e.g. "groq").</param>
/// <param name="Kind">The wire protocol it speaks.</param>
/// <param name="BaseUrl">The API base, e.g. <c>https://api.groq.com/openai/v1</c> or
/// <c>https://api.cloudflare.com/client/v4</c>.</param>
/// <param name="ExtraHeaders">Headers sent with every request (e.g. OpenRouter's <c>HTTP-Referer</c>).</param>
/// <param name="CloudflareAccountId">The Cloudflare account id; required for <see cref="ProviderKind.CloudflareWorkersAi"/>.</param>
public sealed record ProviderEndpoint(
    string Name,
    ProviderKind Kind,
    Uri BaseUrl,
    IReadOnlyDictionary<string, string> ExtraHeaders,
    string? CloudflareAccountId = null);
