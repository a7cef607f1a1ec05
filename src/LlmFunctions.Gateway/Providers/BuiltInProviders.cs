namespace LlmFunctions.Providers;

/// <summary>
/// The providers the seeds describe, with their public endpoints, a default free-tier model and the conventional
/// setting that holds each key. Any of it can be overridden under <c>LlmFunctions:Providers:{Name}</c>.
/// </summary>
public static class BuiltInProviders
{
    /// <summary>A built-in provider's defaults.</summary>
    /// <param name="Name">The catalog name.</param>
    /// <param name="Kind">The wire protocol.</param>
    /// <param name="BaseUrl">The public API base URL.</param>
    /// <param name="Model">The default model id.</param>
    /// <param name="ApiKeySetting">The conventional setting holding the key.</param>
    public sealed record Defaults(string Name, ProviderKind Kind, string BaseUrl, string Model, string ApiKeySetting);

    /// <summary>Gets the built-in providers in their default priority order.</summary>
    public static IReadOnlyList<Defaults> All { get; } =
    [
        new("Cloudflare", ProviderKind.CloudflareWorkersAi, "https://api.cloudflare.com/client/v4", "@cf/meta/llama-3.1-8b-instruct", "CLOUDFLARE_API_TOKEN"),
        new("Groq", ProviderKind.OpenAiCompatible, "https://api.groq.com/openai/v1", "llama-3.3-70b-versatile", "GROQ_API_KEY"),
        new("Cerebras", ProviderKind.OpenAiCompatible, "https://api.cerebras.ai/v1", "llama3.1-8b", "CEREBRAS_API_KEY"),
        new("SambaNova", ProviderKind.OpenAiCompatible, "https://api.sambanova.ai/v1", "Meta-Llama-3.3-70B-Instruct", "SAMBANOVA_API_KEY"),
        new("GitHubModels", ProviderKind.OpenAiCompatible, "https://models.github.ai/inference", "openai/gpt-4o-mini", "GITHUB_TOKEN"),
        new("OpenRouter", ProviderKind.OpenAiCompatible, "https://openrouter.ai/api/v1", "meta-llama/llama-3.3-70b-instruct:free", "OPENROUTER_API_KEY"),
        new("HuggingFace", ProviderKind.OpenAiCompatible, "https://router.huggingface.co/v1", "meta-llama/Llama-3.1-8B-Instruct", "HUGGINGFACE_API_KEY"),
        new("DeepSeek", ProviderKind.OpenAiCompatible, "https://api.deepseek.com/v1", "deepseek-chat", "DEEPSEEK_API_KEY"),
        new("Fireworks", ProviderKind.OpenAiCompatible, "https://api.fireworks.ai/inference/v1", "accounts/fireworks/models/llama-v3p1-8b-instruct", "FIREWORKS_API_KEY"),
        new("Hyperbolic", ProviderKind.OpenAiCompatible, "https://api.hyperbolic.xyz/v1", "meta-llama/Meta-Llama-3.1-8B-Instruct", "HYPERBOLIC_API_KEY"),
        new("Novita", ProviderKind.OpenAiCompatible, "https://api.novita.ai/v3/openai", "meta-llama/llama-3.1-8b-instruct", "NOVITA_API_KEY"),
        new("Scaleway", ProviderKind.OpenAiCompatible, "https://api.scaleway.ai/v1", "llama-3.1-8b-instruct", "SCALEWAY_API_KEY"),
        new("Kluster", ProviderKind.OpenAiCompatible, "https://api.kluster.ai/v1", "klusterai/Meta-Llama-3.1-8B-Instruct-Turbo", "KLUSTER_API_KEY"),
        new("Nebius", ProviderKind.OpenAiCompatible, "https://api.studio.nebius.ai/v1", "meta-llama/Meta-Llama-3.1-8B-Instruct", "NEBIUS_API_KEY"),
    ];

    /// <summary>Finds a built-in by name, ignoring case.</summary>
    /// <param name="name">The provider name.</param>
    /// <returns>The defaults, or null when the name is not built in.</returns>
    public static Defaults? Find(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}
