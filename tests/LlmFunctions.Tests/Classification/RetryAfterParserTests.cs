using LlmFunctions.Classification;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Classification;

public class RetryAfterParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("12", 12)]
    [InlineData(" 120 ", 120)]
    [InlineData("1.5", 1.5)]
    public void ParseRetryAfter_DeltaSeconds_AddsToNow(string value, double seconds)
    {
        Assert.Equal(_time.GetUtcNow().AddSeconds(seconds), RetryAfterParser.ParseRetryAfter(value, _time.GetUtcNow()));
    }

    [Fact]
    public void ParseQuota_GroqStyleHeaders_ReadsRemainingResetsAndLimit()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["x-ratelimit-limit-requests"] = "30",
            ["X-RateLimit-Remaining-Requests"] = " 7 ",
            ["x-ratelimit-reset-requests"] = "2m59.56s",
            ["x-ratelimit-remaining-tokens"] = "5800",
            ["x-ratelimit-reset-tokens"] = "850ms",
        };

        var quota = RetryAfterParser.ParseQuota(headers, Now);

        Assert.Equal(new RateLimitQuota(7, Now.AddSeconds(179.56), 5800, Now.AddMilliseconds(850), 30), quota);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("-1")]
    [InlineData("many")]
    public void ParseQuota_NoValidRemainingHeader_IsNull(string? remaining)
    {
        var headers = new Dictionary<string, string> { ["x-ratelimit-reset-requests"] = "10s" };
        if (remaining is not null)
        {
            headers["x-ratelimit-remaining-requests"] = remaining;
        }

        Assert.Null(RetryAfterParser.ParseQuota(headers, Now));
    }

    [Fact]
    public void ParseRetryAfter_HttpDate_ReturnsThatInstant()
    {
        var result = RetryAfterParser.ParseRetryAfter("Wed, 25 Feb 2026 12:00:30 GMT", _time.GetUtcNow());

        Assert.Equal(Now.AddSeconds(30), result);
    }

    [Fact]
    public void ParseRetryAfter_HttpDateAfterClockAdvances_IsRelativeToTimeProvider()
    {
        _time.Advance(TimeSpan.FromSeconds(10));

        var result = RetryAfterParser.GetRetryAt("Wed, 25 Feb 2026 12:00:30 GMT", null, _time.GetUtcNow());

        Assert.Equal(Now.AddSeconds(30), result);
        Assert.Equal(TimeSpan.FromSeconds(20), result - _time.GetUtcNow());
    }

    [Fact]
    public void ParseRetryAfter_PastDate_MeansNow()
    {
        var result = RetryAfterParser.ParseRetryAfter("Wed, 25 Feb 2026 11:00:00 GMT", _time.GetUtcNow());

        Assert.Equal(Now, result);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("12s")]
    [InlineData("NaN")]
    [InlineData("1e400")]
    [InlineData("99999999999999999999")]
    [InlineData("Wed, 99 Foo 2026")]
    public void ParseRetryAfter_Garbage_ReturnsNull(string? value)
    {
        Assert.Null(RetryAfterParser.ParseRetryAfter(value, Now));
    }

    [Theory]
    [InlineData("1s", 1)]
    [InlineData("2m59.56s", 179.56)]
    [InlineData("850ms", 0.85)]
    [InlineData("1h2m3s", 3723)]
    [InlineData("6m0s", 360)]
    [InlineData("7.66s", 7.66)]
    [InlineData("30", 30)]
    [InlineData("0.5", 0.5)]
    public void ParseReset_DurationFormats_AddToNow(string value, double seconds)
    {
        Assert.Equal(Now.AddSeconds(seconds), RetryAfterParser.ParseReset(value, Now));
    }

    [Fact]
    public void ParseReset_EpochSeconds_ReturnsThatInstant()
    {
        var epoch = Now.AddMinutes(5).ToUnixTimeSeconds();

        Assert.Equal(Now.AddMinutes(5), RetryAfterParser.ParseReset(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), Now));
    }

    [Fact]
    public void ParseReset_EpochMilliseconds_ReturnsThatInstant()
    {
        var epochMs = Now.AddMinutes(5).ToUnixTimeMilliseconds();

        Assert.Equal(Now.AddMinutes(5), RetryAfterParser.ParseReset(epochMs.ToString(System.Globalization.CultureInfo.InvariantCulture), Now));
    }

    [Fact]
    public void ParseReset_PastEpoch_MeansNow()
    {
        Assert.Equal(Now, RetryAfterParser.ParseReset("1700000000", Now));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1x")]
    [InlineData("s")]
    [InlineData("1.2.3s")]
    [InlineData("-1s")]
    [InlineData("1 s")]
    [InlineData("99999999999h")]
    [InlineData("1e999999")]
    public void ParseReset_Garbage_ReturnsNull(string value)
    {
        Assert.Null(RetryAfterParser.ParseReset(value, Now));
    }

    [Fact]
    public void ParseRateLimitReset_RemainingZero_IsPreferredOverLaterReset()
    {
        var headers = new Dictionary<string, string>
        {
            ["x-ratelimit-remaining-requests"] = "14",
            ["x-ratelimit-reset-requests"] = "1h",
            ["x-ratelimit-remaining-tokens"] = "0",
            ["x-ratelimit-reset-tokens"] = "7.66s",
        };

        Assert.Equal(Now.AddSeconds(7.66), RetryAfterParser.ParseRateLimitReset(headers, Now));
    }

    [Fact]
    public void ParseRateLimitReset_NoneExhausted_TakesLatest()
    {
        var headers = new Dictionary<string, string>
        {
            ["x-ratelimit-reset-requests"] = "2s",
            ["x-ratelimit-reset-tokens"] = "1m",
        };

        Assert.Equal(Now.AddMinutes(1), RetryAfterParser.ParseRateLimitReset(headers, Now));
    }

    [Fact]
    public void ParseRateLimitReset_SeveralExhausted_TakesLatestOfThem()
    {
        var headers = new Dictionary<string, string>
        {
            ["X-RateLimit-Remaining-Requests"] = "0",
            ["X-RateLimit-Reset-Requests"] = "2s",
            ["x-ratelimit-remaining-tokens"] = "0",
            ["x-ratelimit-reset-tokens"] = "5s",
            ["x-ratelimit-reset-other"] = "1h",
        };

        Assert.Equal(Now.AddSeconds(5), RetryAfterParser.ParseRateLimitReset(headers, Now));
    }

    [Fact]
    public void ParseRateLimitReset_InvalidValues_AreIgnored()
    {
        var headers = new Dictionary<string, string>
        {
            ["x-ratelimit-remaining-requests"] = "0",
            ["x-ratelimit-reset-requests"] = "garbage",
            ["x-ratelimit-reset-tokens"] = "3s",
        };

        Assert.Equal(Now.AddSeconds(3), RetryAfterParser.ParseRateLimitReset(headers, Now));
    }

    [Fact]
    public void GetRetryAt_RetryAfterPresent_WinsOverResetHeaders()
    {
        var headers = new Dictionary<string, string> { ["x-ratelimit-reset-requests"] = "1h" };

        Assert.Equal(Now.AddSeconds(10), RetryAfterParser.GetRetryAt("10", headers, Now));
    }

    [Fact]
    public void GetRetryAt_NoHeaders_ReturnsNull()
    {
        Assert.Null(RetryAfterParser.GetRetryAt(null, new Dictionary<string, string>(), Now));
    }
}
