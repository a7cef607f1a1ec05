namespace LlmFunctions.Providers;

/// <summary>
/// What a provider answered over HTTP, kept whole for classification: the status code, the rate-limit headers
/// and a redacted excerpt of the body. Nothing is wrapped away.
/// </summary>
public sealed record ProviderResponse
{
    /// <summary>Gets the HTTP status code.</summary>
    public required int StatusCode { get; init; }

    /// <summary>Gets the raw <c>Retry-After</c> header value, when present.</summary>
    public string? RetryAfter { get; init; }

    /// <summary>Gets the <c>x-ratelimit-*</c> headers (names lower-cased), when present.</summary>
    public IReadOnlyDictionary<string, string> RateLimitHeaders { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the first characters of the body with secrets redacted (at most 512).</summary>
    public string BodyExcerpt { get; init; } = string.Empty;

    /// <summary>Gets the parsed completion when the status is 2xx and the body parsed; otherwise null.</summary>
    public ChatCompletion? Completion { get; init; }

    /// <summary>Gets why a 2xx body could not be parsed (empty, not JSON, no content), when it could not.</summary>
    public string? ParseError { get; init; }
}
