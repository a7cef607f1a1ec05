using System.Globalization;

namespace LlmFunctions.Simulator;

/// <summary>Formats the header values clients parse to know when to come back.</summary>
internal static class DurationFormat
{
    /// <summary>Groq/OpenAI <c>x-ratelimit-reset-*</c> style: <c>850ms</c>, <c>12.5s</c>, <c>2m59.56s</c>, <c>1h0m5s</c>.</summary>
    public static string RateLimitReset(TimeSpan duration)
    {
        if (duration < TimeSpan.FromSeconds(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)Math.Ceiling(duration.TotalMilliseconds))}ms");
        }

        var hours = (int)duration.TotalHours;
        var minutes = duration.Minutes;
        var seconds = Math.Round(duration.TotalSeconds - (hours * 3600) - (minutes * 60), 2);
        var secondsText = seconds.ToString("0.##", CultureInfo.InvariantCulture);
        return hours > 0 ? $"{hours}h{minutes}m{secondsText}s"
            : minutes > 0 ? $"{minutes}m{secondsText}s"
            : $"{secondsText}s";
    }

    /// <summary><c>Retry-After</c> delta-seconds, rounded up so a client that honours it is never early.</summary>
    public static string RetryAfterSeconds(TimeSpan duration) =>
        Math.Max(1, (long)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary><c>Retry-After</c> HTTP date (RFC 7231), rounded up to the next whole second.</summary>
    public static string RetryAfterDate(DateTimeOffset now, TimeSpan duration)
    {
        var at = (now + duration).ToUniversalTime();
        var remainder = at.Ticks % TimeSpan.TicksPerSecond;
        if (remainder != 0)
        {
            at = at.AddTicks(TimeSpan.TicksPerSecond - remainder);
        }

        return at.ToString("r", CultureInfo.InvariantCulture);
    }
}
