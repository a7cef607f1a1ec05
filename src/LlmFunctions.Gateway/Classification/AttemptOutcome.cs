namespace LlmFunctions.Classification;

/// <summary>The classified result of one provider attempt.</summary>
public sealed record AttemptOutcome
{
    /// <summary>Gets the outcome's class.</summary>
    public required ErrorClass Class { get; init; }

    /// <summary>Gets the HTTP status, or null when no response arrived (timeout, network error, cancellation).</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Gets a short, secret-free reason (e.g. "HTTP 403 Forbidden", "connection refused").</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the instant the provider asked us to wait until (Retry-After or x-ratelimit-reset-*), if any.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>Gets what the provider's <c>x-ratelimit-*</c> headers said about its window, if it sent them.</summary>
    public RateLimitQuota? Quota { get; init; }

    /// <summary>Gets a redacted excerpt of the response body, if any.</summary>
    public string? BodyExcerpt { get; init; }

    /// <summary>Gets a value indicating whether the provider refused the payload for its size (413, or a
    /// 400/422 whose body speaks of length or context). Such a rejection skips that provider instead of
    /// failing the request.</summary>
    public bool PayloadTooLarge { get; init; }

    /// <summary>Gets how long the call took, slot wait included, when the caller knows it; a failed call's duration is
    /// added to its provider's <c>FailedCallMs</c> in the shared health.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Gets a value indicating whether this outcome counts as a circuit-breaker failure.</summary>
    public bool CountsAsCircuitFailure =>
        Class is ErrorClass.Transient or ErrorClass.MalformedResponse or ErrorClass.Unexpected;

    /// <summary>Gets a value indicating whether this outcome disables the provider for a long cooldown.</summary>
    public bool IsPermanentProviderFailure =>
        Class is ErrorClass.AuthFailed or ErrorClass.QuotaExhausted or ErrorClass.NotFound;
}
