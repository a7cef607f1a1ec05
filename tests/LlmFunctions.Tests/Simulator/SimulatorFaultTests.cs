using System.Net;
using LlmFunctions.Simulator;
using Microsoft.Extensions.Time.Testing;
using static LlmFunctions.Tests.Simulator.SimulatorTestHost;

namespace LlmFunctions.Tests.Simulator;

public sealed class SimulatorFaultTests
{
    [Theory]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(402)]
    public async Task ChatCompletions_FixedStatus_AnswersItWithOpenAiErrorBody(int status)
    {
        await using var server = await StartAsync(OneProvider($"\"status\": {status}"));
        using var client = Client(server);

        using var first = await PostOpenAiAsync(client, server, "Prov");
        using var second = await PostOpenAiAsync(client, server, "Prov");
        var body = await JsonAsync(first);

        Assert.Equal(status, (int)first.StatusCode);
        Assert.Equal(status, (int)second.StatusCode);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal(2, server.Stats.For("Prov").Count($"status_{status}"));
    }

    [Fact]
    public async Task ChatCompletions_ErrorLatency_DelaysFixedStatusAndRateLimitAnswers()
    {
        await using var dead = await StartAsync(OneProvider("\"status\": 404, \"errorLatencyMs\": { \"fixed\": 300 }"));
        await using var limited = await StartAsync(OneProvider("""
            "errorLatencyMs": { "fixed": 300 }, "rateLimit": { "requestsPerWindow": 1, "windowSeconds": 3600 }
            """));
        using var deadClient = Client(dead);
        using var limitedClient = Client(limited);

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var notFound = await PostOpenAiAsync(deadClient, dead, "Prov");
        var notFoundTook = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        using var ok = await PostOpenAiAsync(limitedClient, limited, "Prov");
        started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var tooMany = await PostOpenAiAsync(limitedClient, limited, "Prov");
        var tooManyTook = System.Diagnostics.Stopwatch.GetElapsedTime(started);

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooMany.StatusCode);
        // Timers may fire a millisecond or so before the stopwatch agrees: lower bounds with slack, no upper bounds.
        Assert.True(notFoundTook >= TimeSpan.FromMilliseconds(270), $"404 took {notFoundTook.TotalMilliseconds} ms");
        Assert.True(tooManyTook >= TimeSpan.FromMilliseconds(270), $"429 took {tooManyTook.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Run_FixedStatusOnCloudflare_AnswersCloudflareErrorShape()
    {
        await using var server = await StartAsync(OneProvider("\"status\": 403", api: "cloudflare"));
        using var client = Client(server);

        using var response = await PostCloudflareAsync(client, server, "Prov");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKindNull, body.GetProperty("result").ValueKind);
        Assert.True(body.GetProperty("errors")[0].GetProperty("code").GetInt32() > 0);
    }

    [Fact]
    public async Task ChatCompletions_PromptOverMaxChars_Answers422AndCounts()
    {
        await using var server = await StartAsync(OneProvider("\"maxPromptChars\": 20"));
        using var client = Client(server);

        // "be brief" (8) + 12 = 20: at the limit; one more character is over it.
        using var atLimit = await PostOpenAiAsync(client, server, "Prov", new string('a', 12));
        using var over = await PostOpenAiAsync(client, server, "Prov", new string('a', 13));
        var body = await JsonAsync(over);

        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, over.StatusCode);
        Assert.Equal("Input too long: 21 characters exceeds the maximum of 20", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.PayloadRejected));
    }

    [Fact]
    public async Task ChatCompletions_QuotaUsedUp_AnswersConfiguredStatusWithScaledRetryAfter()
    {
        var json = OneProvider("""
            "quota": { "requests": 3, "status": 429, "retryAfterSeconds": 120 }
            """, root: "\"timeScale\": 0.5,");
        await using var server = await StartAsync(json);
        using var client = Client(server);

        for (var i = 0; i < 3; i++)
        {
            using var ok = await PostOpenAiAsync(client, server, "Prov");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var exhausted = await PostOpenAiAsync(client, server, "Prov");
        using var stillExhausted = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.TooManyRequests, exhausted.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), exhausted.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillExhausted.StatusCode);
        Assert.Equal(2, server.Stats.For("Prov").Count(SimulatorOutcomes.QuotaExhausted));
    }

    [Fact]
    public async Task ChatCompletions_Quota402UsedUp_Answers402WithoutRetryAfter()
    {
        await using var server = await StartAsync(OneProvider("""
            "quota": { "requests": 1, "status": 402, "retryAfterSeconds": 10 }
            """));
        using var client = Client(server);

        using var ok = await PostOpenAiAsync(client, server, "Prov");
        using var exhausted = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.PaymentRequired, exhausted.StatusCode);
        Assert.Null(exhausted.Headers.RetryAfter);
    }

    [Fact]
    public async Task ChatCompletions_RateLimitBody500Fault_Answers500WithRateLimitMessage()
    {
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "rateLimitBody500", "rate": 1 } ]
            """));
        using var client = Client(server);

        using var response = await PostOpenAiAsync(client, server, "Prov");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Rate limit exceeded (429): too many requests", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.RateLimitBody500));
    }

    [Fact]
    public async Task ChatCompletions_StatusFault_Answers503CountedAsServerError()
    {
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "status", "status": 503, "rate": 1 } ]
            """));
        using var client = Client(server);

        using var response = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.ServerError));
    }

    [Fact]
    public async Task ChatCompletions_ResetFault_ClientSeesHttpRequestException()
    {
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "reset", "rate": 1 } ]
            """));
        using var client = Client(server);

        await Assert.ThrowsAsync<HttpRequestException>(() => PostOpenAiAsync(client, server, "Prov"));

        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.Reset));
    }

    [Fact]
    public async Task ChatCompletions_HangFaultOnFakeClock_ClientTimeoutCancels()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "hang", "rate": 1, "ms": 120000 } ]
            """), time);
        using var client = Client(server);
        using var timeout = new CancellationTokenSource();

        // Cancel only once the server holds the call: a fixed client timeout could fire before the request arrived.
        var call = PostOpenAiAsync(client, server, "Prov", cancellationToken: timeout.Token);
        await WaitUntilAsync(() => server.Stats.For("Prov").Count(SimulatorOutcomes.Hang) == 1, "the call to hang");
        await timeout.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.Hang));
        Assert.Equal(0, server.Stats.For("Prov").Count(SimulatorOutcomes.Ok));
    }

    [Fact]
    public async Task ChatCompletions_HangFaultElapsed_Answers504()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "hang", "rate": 1, "ms": 120000 } ]
            """), time);
        using var client = Client(server);

        var pending = PostOpenAiAsync(client, server, "Prov");
        await WaitUntilAsync(() => server.Stats.For("Prov").Count(SimulatorOutcomes.Hang) == 1, "the hang to start");
        await WaitUntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(120));
                return pending.IsCompleted;
            },
            "the hang to end");
        using var response = await pending;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_MalformedFault_Answers200WithUnparseableJson()
    {
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "malformed", "rate": 1 } ]
            """));
        using var client = Client(server);

        using var response = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => JsonAsync(response));
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.Malformed));
    }

    [Fact]
    public async Task ChatCompletions_EmptyFault_Answers200WithEmptyBody()
    {
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "empty", "rate": 1 } ]
            """));
        using var client = Client(server);

        using var response = await PostOpenAiAsync(client, server, "Prov");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.Empty));
    }

    [Fact]
    public async Task ChatCompletions_ZeroRateFault_NeverFires()
    {
        await using var server = await StartAsync(OneProvider("""
            "faults": [ { "kind": "reset", "rate": 0 } ]
            """));
        using var client = Client(server);

        for (var i = 0; i < 10; i++)
        {
            using var response = await PostOpenAiAsync(client, server, "Prov");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
