using System.Globalization;

namespace LlmFunctions.Classification;

/// <summary>
/// Parses the headers a provider uses to say when to come back: <c>Retry-After</c> (delta-seconds or HTTP-date)
/// and the Groq/OpenAI <c>x-ratelimit-reset-*</c> headers. Pure; invalid values yield null and never throw.
/// </summary>
public static class RetryAfterParser
{
    private const string ResetPrefix = "x-ratelimit-reset";
    private const string RemainingPrefix = "x-ratelimit-remaining";

    // Plain numbers above this are unix epochs (seconds); above the next, epochs in milliseconds.
    private const double EpochSecondsThreshold = 1e9;
    private const double EpochMillisecondsThreshold = 1e12;

    private static readonly double MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Computes when to retry from <c>Retry-After</c>, falling back to <c>x-ratelimit-reset-*</c>.</summary>
    /// <param name="retryAfter">The raw <c>Retry-After</c> value, or null.</param>
    /// <param name="rateLimitHeaders">The <c>x-ratelimit-*</c> headers (names compared case-insensitively).</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The instant to retry at, or null when no header gives a valid answer.</returns>
    public static DateTimeOffset? GetRetryAt(
        string? retryAfter, IReadOnlyDictionary<string, string>? rateLimitHeaders, DateTimeOffset now) =>
        ParseRetryAfter(retryAfter, now) ?? ParseRateLimitReset(rateLimitHeaders, now);

    /// <summary>Parses a <c>Retry-After</c> value: delta-seconds or an HTTP-date.</summary>
    /// <param name="value">The raw header value.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The instant to retry at (a date in the past means now), or null when invalid.</returns>
    public static DateTimeOffset? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return AddSeconds(now, seconds);
        }

        if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            // A date in the past (clock skew) means "retry now", as in dotnet/extensions RetryAfterHelper.
            return date < now ? now : date;
        }

        return null;
    }

    /// <summary>
    /// Picks the retry instant from <c>x-ratelimit-reset-*</c> headers. Resets whose matching
    /// <c>x-ratelimit-remaining-*</c> is "0" are the exhausted limits and win; among the candidates the latest wins.
    /// </summary>
    /// <param name="headers">The <c>x-ratelimit-*</c> headers.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The instant to retry at, or null when no reset header is valid.</returns>
    public static DateTimeOffset? ParseRateLimitReset(IReadOnlyDictionary<string, string>? headers, DateTimeOffset now)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        DateTimeOffset? latestExhausted = null;
        DateTimeOffset? latestAny = null;
        foreach (var (name, value) in headers)
        {
            if (!name.StartsWith(ResetPrefix, StringComparison.OrdinalIgnoreCase)
                || ParseReset(value, now) is not { } at)
            {
                continue;
            }

            latestAny = Max(latestAny, at);
            var suffix = name[ResetPrefix.Length..];
            if (FindRemaining(headers, suffix) is "0")
            {
                latestExhausted = Max(latestExhausted, at);
            }
        }

        return latestExhausted ?? latestAny;
    }

    /// <summary>
    /// Reads what the <c>x-ratelimit-remaining-requests</c>/<c>-tokens</c>, <c>x-ratelimit-reset-requests</c>/<c>-tokens</c>
    /// and <c>x-ratelimit-limit-requests</c> headers say about the provider's window.
    /// </summary>
    /// <param name="headers">The <c>x-ratelimit-*</c> headers (names compared case-insensitively).</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The quota, or null when neither remaining header is valid.</returns>
    public static RateLimitQuota? ParseQuota(IReadOnlyDictionary<string, string>? headers, DateTimeOffset now)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        string? Find(string name) =>
            headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.Trim();
        long? Count(string name) =>
            long.TryParse(Find(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

        var requests = Count(RemainingPrefix + "-requests");
        var tokens = Count(RemainingPrefix + "-tokens");
        if (requests is null && tokens is null)
        {
            return null;
        }

        var limit = Count("x-ratelimit-limit-requests");
        return new RateLimitQuota(
            requests is { } r ? (int)Math.Min(r, int.MaxValue) : null,
            ParseReset(Find(ResetPrefix + "-requests"), now),
            tokens,
            ParseReset(Find(ResetPrefix + "-tokens"), now),
            limit is { } l ? (int)Math.Min(l, int.MaxValue) : null);
    }

    /// <summary>
    /// Parses one reset value: a duration ("1s", "2m59.56s", "850ms", "1h2m3s"), plain seconds, or a unix epoch
    /// (a plain number above 1e9 is epoch seconds; above 1e12, epoch milliseconds).
    /// </summary>
    /// <param name="value">The raw header value.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The reset instant (never before <paramref name="now"/>), or null when invalid.</returns>
    public static DateTimeOffset? ParseReset(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            if (number > EpochSecondsThreshold)
            {
                var epochSeconds = number > EpochMillisecondsThreshold ? number / 1000 : number;
                if (epochSeconds > MaxUnixSeconds)
                {
                    return null;
                }

                var at = DateTimeOffset.UnixEpoch.AddSeconds(epochSeconds);
                return at < now ? now : at;
            }

            return AddSeconds(now, number);
        }

        return ParseDuration(text) is { } duration ? AddSeconds(now, duration.TotalSeconds) : null;
    }

    /// <summary>Parses a Go-style duration as used by Groq and OpenAI: "1s", "2m59.56s", "850ms", "1h2m3s".</summary>
    /// <param name="value">The text to parse.</param>
    /// <returns>The duration, or null when the text is not a valid non-negative duration.</returns>
    public static TimeSpan? ParseDuration(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.AsSpan().Trim();
        double totalSeconds = 0;
        var position = 0;
        while (position < text.Length)
        {
            var numberStart = position;
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.'))
            {
                position++;
            }

            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetterLower(text[position]))
            {
                position++;
            }

            if (unitStart == numberStart
                || !double.TryParse(text[numberStart..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                || UnitSeconds(text[unitStart..position]) is not { } unit)
            {
                return null;
            }

            totalSeconds += amount * unit;
        }

        return totalSeconds <= EpochSecondsThreshold ? TimeSpan.FromSeconds(totalSeconds) : null;
    }

    private static double? UnitSeconds(ReadOnlySpan<char> unit) => unit switch
    {
        "h" => 3600,
        "m" => 60,
        "s" => 1,
        "ms" => 0.001,
        _ => null,
    };

    private static string? FindRemaining(IReadOnlyDictionary<string, string> headers, string suffix)
    {
        foreach (var (name, value) in headers)
        {
            if (name.Length == RemainingPrefix.Length + suffix.Length
                && name.StartsWith(RemainingPrefix, StringComparison.OrdinalIgnoreCase)
                && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return value.Trim();
            }
        }

        return null;
    }

    private static DateTimeOffset? AddSeconds(DateTimeOffset now, double seconds) =>
        double.IsFinite(seconds) && seconds >= 0 && seconds <= EpochSecondsThreshold ? now.AddSeconds(seconds) : null;

    private static DateTimeOffset? Max(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is { } c && c >= candidate ? c : candidate;
}
