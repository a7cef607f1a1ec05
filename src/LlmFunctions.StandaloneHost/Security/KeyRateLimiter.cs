namespace LlmFunctions.StandaloneHost.Security;

/// <summary>What the limiter decided for one request.</summary>
/// <param name="Allowed">Whether the request may run (its cost was taken).</param>
/// <param name="RetryAfter">When refused: how long until it would be allowed.</param>
/// <param name="Limit">When refused: the setting that refused it (<c>RequestsPerMinute</c> or <c>PromptCharsPerMinute</c>).</param>
/// <param name="NeverFits">When refused: the request alone is larger than the key's allowance a minute.</param>
public readonly record struct RateDecision(bool Allowed, TimeSpan RetryAfter = default, string? Limit = null, bool NeverFits = false);

/// <summary>
/// Per-key rate limits in this process (each instance counts its own callers: with N instances a key may use up to N
/// times its limits). Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
/// <param name="limits">The limits by key name.</param>
/// <param name="time">The time source.</param>
public sealed class KeyRateLimiter(IReadOnlyDictionary<string, KeyLimit> limits, TimeProvider time)
{
    private readonly Dictionary<string, (TokenBucket? Requests, TokenBucket? Chars)> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    /// <summary>Gets the limits of one key, or null when it has none.</summary>
    /// <param name="keyName">The key's name.</param>
    /// <returns>The limits.</returns>
    public KeyLimit? LimitOf(string keyName) => limits.GetValueOrDefault(keyName);

    /// <summary>Takes one request and <paramref name="promptChars"/> from the key's allowances, or says how long to wait.</summary>
    /// <param name="keyName">The key's name.</param>
    /// <param name="promptChars">The request's prompt characters.</param>
    /// <returns>The decision.</returns>
    public RateDecision TryTake(string keyName, int promptChars)
    {
        ArgumentNullException.ThrowIfNull(keyName);
        if (!limits.TryGetValue(keyName, out var limit))
        {
            return new(true);
        }

        if (limit.PromptCharsPerMinute is { } maxChars && promptChars > maxChars)
        {
            return new(false, TimeSpan.Zero, nameof(KeyLimit.PromptCharsPerMinute), NeverFits: true);
        }

        var now = time.GetUtcNow();
        lock (_lock)
        {
            var (requests, chars) = _buckets.GetValueOrDefault(keyName);
            var requestBucket = limit.RequestsPerMinute is { } rpm ? (requests ?? TokenBucket.Full(rpm, now)).RefilledAt(now, rpm) : (TokenBucket?)null;
            var charBucket = limit.PromptCharsPerMinute is { } cpm ? (chars ?? TokenBucket.Full(cpm, now)).RefilledAt(now, cpm) : (TokenBucket?)null;

            var requestWait = requestBucket?.WaitFor(1, limit.RequestsPerMinute!.Value) ?? TimeSpan.Zero;
            var charWait = charBucket?.WaitFor(promptChars, limit.PromptCharsPerMinute!.Value) ?? TimeSpan.Zero;
            if (requestWait > TimeSpan.Zero || charWait > TimeSpan.Zero)
            {
                _buckets[keyName] = (requestBucket, charBucket);
                return requestWait >= charWait
                    ? new(false, requestWait, nameof(KeyLimit.RequestsPerMinute))
                    : new(false, charWait, nameof(KeyLimit.PromptCharsPerMinute));
            }

            _buckets[keyName] = (
                requestBucket is { } r ? r with { Tokens = r.Tokens - 1 } : null,
                charBucket is { } c ? c with { Tokens = c.Tokens - promptChars } : null);
            return new(true);
        }
    }
}
