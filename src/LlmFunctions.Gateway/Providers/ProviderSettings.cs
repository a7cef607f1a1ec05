namespace LlmFunctions.Providers;

/// <summary>
/// One provider's settings as bound from <c>LlmFunctions:Providers:{Name}</c>. Every property is optional for
/// the built-in providers (their defaults come from <see cref="BuiltInProviders"/>); a custom OpenAI-compatible
/// provider needs <see cref="BaseUrl"/>, <see cref="Models"/> and <see cref="ApiKeySetting"/>.
/// </summary>
public sealed class ProviderSettings
{
    /// <summary>Gets or sets the wire protocol.</summary>
    /// <value>The default value is the built-in's kind, or <see cref="ProviderKind.OpenAiCompatible"/>.</value>
    public ProviderKind? Kind { get; set; }

    /// <summary>Gets or sets the API base URL (for OpenAI-compatible providers, the part before <c>/chat/completions</c>).</summary>
    /// <value>The default value is the built-in's public endpoint.</value>
    public string? BaseUrl { get; set; }

    /// <summary>Gets or sets the model ids to use, in order of preference.</summary>
    /// <value>The default value is the built-in's default model.</value>
    public IList<string> Models { get; } = [];

    /// <summary>Gets or sets a single model id (shorthand for a one-element <see cref="Models"/>).</summary>
    public string? Model { get; set; }

    /// <summary>Gets or sets the name of the setting that holds the API key (never the key itself).</summary>
    /// <value>The default value is the built-in's conventional variable, e.g. <c>GROQ_API_KEY</c>.</value>
    public string? ApiKeySetting { get; set; }

    /// <summary>Gets or sets the name of the setting that holds the Cloudflare account id.</summary>
    /// <value>The default value is <c>CLOUDFLARE_ACCOUNT_ID</c>.</value>
    public string? AccountIdSetting { get; set; }

    /// <summary>Gets or sets the priority; lower is tried first.</summary>
    /// <value>The default value is the built-in's position times ten.</value>
    public int? Priority { get; set; }

    /// <summary>Gets or sets the provider's share of traffic under <c>LlmFunctions:Failover:Spreading = weighted</c>,
    /// relative to the other providers' weights (0.001 to 1,000,000).</summary>
    /// <value>The default value is 1 (an even spread).</value>
    public double? Weight { get; set; }

    /// <summary>Gets or sets the largest prompt, in characters, the provider accepts.</summary>
    /// <value>The default value is 6,000 (seed 003: every prompt of 7,000+ characters was rejected).</value>
    public int? MaxPromptChars { get; set; }

    /// <summary>Gets or sets the per-attempt timeout in seconds.</summary>
    /// <value>The default value is 30.</value>
    public double? TimeoutSeconds { get; set; }

    /// <summary>Gets or sets how long, in seconds, a streaming call may take to its first content or tool-call delta
    /// before it counts as a failure and the next provider is tried (0.001 to 600).</summary>
    /// <value>The default value is 15.</value>
    public double? FirstTokenTimeoutSeconds { get; set; }

    /// <summary>Gets or sets how many calls may be in flight to this provider from one instance.</summary>
    /// <value>The default value is 8.</value>
    public int? MaxConcurrency { get; set; }

    /// <summary>Gets or sets how many calls may wait on one instance for a slot under <see cref="MaxConcurrency"/>;
    /// a call that finds the queue full tries the next provider instead of waiting. Small, because a request queued
    /// behind a saturated provider is better served by an idle one; the last provider a request has is waited for
    /// (up to the request's deadline) whatever the queue. 0 to 10,000.</summary>
    /// <value>The default value is 8.</value>
    public int? MaxQueue { get; set; }

    /// <summary>Gets or sets a value indicating whether the provider is used at all.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool? Enabled { get; set; }

    /// <summary>Gets extra HTTP headers sent with every call (e.g. OpenRouter's <c>HTTP-Referer</c>).</summary>
    public IDictionary<string, string> ExtraHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
