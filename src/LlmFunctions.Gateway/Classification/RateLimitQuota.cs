namespace LlmFunctions.Classification;

/// <summary>
/// What a provider last said about its rate-limit window in <c>x-ratelimit-remaining-*</c> /
/// <c>x-ratelimit-reset-*</c> headers: how many requests (and tokens) are left and when the window resets. Parsed by
/// <see cref="RetryAfterParser.ParseQuota"/>; kept in the shared provider health so every instance can spread by it.
/// </summary>
/// <param name="RemainingRequests">Requests left in the current window, or null when not sent.</param>
/// <param name="RequestsResetAt">When the request window resets, or null when not sent.</param>
/// <param name="RemainingTokens">Tokens left in the current window, or null when not sent.</param>
/// <param name="TokensResetAt">When the token window resets, or null when not sent.</param>
/// <param name="LimitRequests">Requests per window (<c>x-ratelimit-limit-requests</c>), or null when not sent.</param>
public sealed record RateLimitQuota(
    int? RemainingRequests,
    DateTimeOffset? RequestsResetAt,
    long? RemainingTokens = null,
    DateTimeOffset? TokensResetAt = null,
    int? LimitRequests = null)
{
    /// <summary>The requests left at <paramref name="now"/>: the last remaining count while its window lasts, the
    /// window's limit (or null, unknown) once it has reset. Tokens left at 0 in a live window count as 0 requests.</summary>
    /// <param name="now">The current instant.</param>
    /// <returns>The requests left, or null when unknown.</returns>
    public int? RequestsLeftAt(DateTimeOffset now)
    {
        if (RemainingTokens is 0 && TokensResetAt is { } tokensReset && tokensReset > now)
        {
            return 0;
        }

        return RequestsResetAt is { } reset && reset <= now ? LimitRequests : RemainingRequests;
    }
}
