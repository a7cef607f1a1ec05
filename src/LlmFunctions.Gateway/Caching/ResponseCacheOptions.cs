namespace LlmFunctions.Caching;

/// <summary>
/// Settings of the response cache's storage: the blob container and its size caps. How long answers stay fresh and are
/// kept is a route's setting. Bound from the <c>LlmFunctions:Cache</c> configuration section and checked by
/// <see cref="ResponseCacheOptionsValidator"/>.
/// </summary>
public sealed class ResponseCacheOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "LlmFunctions:Cache";

    /// <summary>
    /// Gets or sets the blob container, in the <c>AzureWebJobsStorage</c> account, that holds the cached answers (one
    /// blob per key). It is created at the first store. Must be a valid container name: 3 to 63 lowercase letters,
    /// digits and single hyphens, starting and ending with a letter or digit.
    /// </summary>
    /// <value>The default value is <c>llmfunctions-cache</c>.</value>
    public string Container { get; set; } = "llmfunctions-cache";

    /// <summary>
    /// Gets or sets the largest answer (UTF-8 JSON bytes) stored; a larger one is not cached. A chat completion is a
    /// few KiB; the cap keeps a runaway answer (a huge <c>n</c>, a long tool call) from filling the cache. Must be between
    /// 1 KiB (1024) and 4 MiB (4194304).
    /// </summary>
    /// <value>The default value is 262144 (256 KiB).</value>
    public int MaxEntryBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Gets or sets the total size of the cached answers that pruning keeps: above it the oldest entries are deleted
    /// until the total is at most this. Between prunes the total may grow past it. Must be at least
    /// <see cref="MaxEntryBytes"/>.
    /// </summary>
    /// <value>The default value is 268435456 (256 MiB).</value>
    public long MaxTotalBytes { get; set; } = 256L * 1024 * 1024;
}
