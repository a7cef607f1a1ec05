using System.Globalization;
using System.Net;
using LlmFunctions.Simulator;
using Microsoft.Extensions.Time.Testing;
using static LlmFunctions.Tests.Simulator.SimulatorTestHost;

namespace LlmFunctions.Tests.Simulator;

public sealed class SimulatorRateLimitTests
{
    [Fact]
    public async Task ChatCompletions_WindowRunsOut_Answers429UntilClockAdvances()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(OneProvider("""
            "rateLimit": { "requestsPerWindow": 2, "windowSeconds": 60, "retryAfter": "seconds" }
            """), time);
        using var client = Client(server);

        using var first = await PostOpenAiAsync(client, server, "Prov");
        using var second = await PostOpenAiAsync(client, server, "Prov");
        using var limited = await PostOpenAiAsync(client, server, "Prov");
        time.Advance(TimeSpan.FromSeconds(30));
        using var stillLimited = await PostOpenAiAsync(client, server, "Prov");
        time.Advance(TimeSpan.FromSeconds(30));
        using var afterReset = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(TimeSpan.FromSeconds(30), stillLimited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, afterReset.StatusCode);
        Assert.Equal(2, server.Stats.For("Prov").Count(SimulatorOutcomes.RateLimited));
        Assert.Equal(3, server.Stats.For("Prov").Count(SimulatorOutcomes.Ok));
    }

    [Fact]
    public async Task ChatCompletions_DateRetryAfter_SendsHttpDateFromFakeClock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 25, 10, 0, 0, TimeSpan.Zero));
        await using var server = await StartAsync(OneProvider("""
            "rateLimit": { "requestsPerWindow": 1, "windowSeconds": 90, "retryAfter": "date" }
            """), time);
        using var client = Client(server);

        using var ok = await PostOpenAiAsync(client, server, "Prov");
        using var limited = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("Wed, 25 Feb 2026 10:01:30 GMT", limited.Headers.GetValues("Retry-After").Single());
        Assert.Equal(new DateTimeOffset(2026, 2, 25, 10, 1, 30, TimeSpan.Zero), limited.Headers.RetryAfter?.Date);
    }

    [Fact]
    public async Task ChatCompletions_ResetHeadersAndTimeScale_SendsScaledGroqStyleDuration()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(OneProvider("""
            "rateLimit": { "requestsPerWindow": 1, "windowSeconds": 250, "retryAfter": "none", "resetHeaders": true }
            """, root: "\"timeScale\": 0.05,"), time);
        using var client = Client(server);

        using var ok = await PostOpenAiAsync(client, server, "Prov");
        using var limited = await PostOpenAiAsync(client, server, "Prov");
        time.Advance(TimeSpan.FromSeconds(12.5));
        using var afterScaledWindow = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Null(limited.Headers.RetryAfter);
        Assert.Equal("0", limited.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal("12.5s", limited.Headers.GetValues("x-ratelimit-reset-requests").Single());
        Assert.Equal(HttpStatusCode.OK, afterScaledWindow.StatusCode);
    }

    [Theory]
    [InlineData(850, "850ms")]
    [InlineData(12_500, "12.5s")]
    [InlineData(179_560, "2m59.56s")]
    [InlineData(3_605_000, "1h0m5s")]
    public void RateLimitReset_Durations_FormatGroqStyle(int milliseconds, string expected) =>
        Assert.Equal(expected, DurationFormat.RateLimitReset(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void RetryAfterSeconds_FractionalSeconds_RoundsUp() =>
        Assert.Equal("2", DurationFormat.RetryAfterSeconds(TimeSpan.FromSeconds(1.2)));

    [Fact]
    public void RetryAfterDate_FractionalSecond_RoundsUpToNextSecond() =>
        Assert.Equal(
            new DateTimeOffset(2026, 2, 25, 10, 0, 2, TimeSpan.Zero).ToString("r", CultureInfo.InvariantCulture),
            DurationFormat.RetryAfterDate(new DateTimeOffset(2026, 2, 25, 10, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(1.3)));
}
