namespace LlmFunctions.Providers;

/// <summary>A provider resolved from settings: validated, with every default applied. Holds no secret.</summary>
public sealed record ProviderDescriptor
{
    /// <summary>Gets the catalog name, e.g. <c>Groq</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the wire protocol.</summary>
    public required ProviderKind Kind { get; init; }

    /// <summary>Gets the API base URL.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>Gets the model ids, in order of preference.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>Gets the name of the setting that holds the API key.</summary>
    public required string ApiKeySetting { get; init; }

    /// <summary>Gets the Cloudflare account id (not a secret), for <see cref="ProviderKind.CloudflareWorkersAi"/>.</summary>
    public string? AccountId { get; init; }

    /// <summary>Gets the priority; lower is tried first.</summary>
    public required int Priority { get; init; }

    /// <summary>Gets the share of traffic under weighted spreading, relative to the other providers' weights.</summary>
    public double Weight { get; init; } = 1;

    /// <summary>Gets the largest prompt in characters this provider accepts.</summary>
    public required int MaxPromptChars { get; init; }

    /// <summary>Gets the per-attempt timeout.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>Gets how long a stream may take to its first content or tool-call delta (bounded by
    /// <see cref="Timeout"/> too); after it, <see cref="Timeout"/> bounds the wait for each next event.</summary>
    public TimeSpan FirstTokenTimeout { get; init; } = ProviderCatalog.DefaultFirstTokenTimeout;

    /// <summary>Gets how many calls may be in flight to this provider from one instance.</summary>
    public required int MaxConcurrency { get; init; }

    /// <summary>Gets how many calls may wait on one instance for a slot under <see cref="MaxConcurrency"/>.</summary>
    public int MaxQueue { get; init; } = ProviderCatalog.DefaultMaxQueue;

    /// <summary>Gets extra headers sent with every call.</summary>
    public IReadOnlyDictionary<string, string> ExtraHeaders { get; init; } = new Dictionary<string, string>();
}
