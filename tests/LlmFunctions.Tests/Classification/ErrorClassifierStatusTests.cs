using LlmFunctions.Classification;
using LlmFunctions.Providers;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Classification;

public class ErrorClassifierStatusTests
{
    private const string Completed = "<completion>";
    private static readonly DateTimeOffset Now = new(2026, 2, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly ErrorClassifier _classifier = new(new FakeTimeProvider(Now));

    /// <summary>(status, body, parse: <see cref="Completed"/> for a parsed completion or the parse error,
    /// class, reason, payload too large) — one row per row of the classification spec.</summary>
    public static TheoryData<int, string, string?, ErrorClass, string, bool> StatusRows => new()
    {
        // 2xx
        { 200, "{\"choices\":[]}", Completed, ErrorClass.Success, "HTTP 200 OK", false },
        { 201, "{}", Completed, ErrorClass.Success, "HTTP 201 Created", false },
        { 200, "", "empty body", ErrorClass.MalformedResponse, "HTTP 200 OK (malformed body: empty body)", false },
        { 200, "<html>oops</html>", "invalid JSON", ErrorClass.MalformedResponse, "HTTP 200 OK (malformed body: invalid JSON)", false },
        { 204, "", null, ErrorClass.MalformedResponse, "HTTP 204 No Content (malformed body: no completion)", false },

        // 429 and 5xx
        { 429, "slow down", null, ErrorClass.RateLimited, "HTTP 429 Too Many Requests", false },
        { 500, "{\"error\":\"Rate limit exceeded\"}", null, ErrorClass.RateLimited, "HTTP 500 Internal Server Error (rate limit in body)", false },
        { 502, "upstream RATELIMIT hit", null, ErrorClass.RateLimited, "HTTP 502 Bad Gateway (rate limit in body)", false },
        { 503, "{\"code\":\"rate_limit_exceeded\"}", null, ErrorClass.RateLimited, "HTTP 503 Service Unavailable (rate limit in body)", false },
        { 504, "Too Many Requests upstream", null, ErrorClass.RateLimited, "HTTP 504 Gateway Timeout (rate limit in body)", false },
        { 500, "upstream returned 429", null, ErrorClass.RateLimited, "HTTP 500 Internal Server Error (rate limit in body)", false },
        { 529, "rate limit", null, ErrorClass.RateLimited, "HTTP 529 (rate limit in body)", false },
        { 500, "internal error", null, ErrorClass.Transient, "HTTP 500 Internal Server Error", false },
        { 502, "", null, ErrorClass.Transient, "HTTP 502 Bad Gateway", false },
        { 503, "overloaded", null, ErrorClass.Transient, "HTTP 503 Service Unavailable", false },
        { 504, "", null, ErrorClass.Transient, "HTTP 504 Gateway Timeout", false },
        { 507, "", null, ErrorClass.Transient, "HTTP 507 Insufficient Storage", false },
        { 520, "", null, ErrorClass.Transient, "HTTP 520", false },
        { 524, "", null, ErrorClass.Transient, "HTTP 524", false },
        { 530, "", null, ErrorClass.Transient, "HTTP 530", false },
        { 599, "", null, ErrorClass.Transient, "HTTP 599", false },
        { 501, "rate limit", null, ErrorClass.NotFound, "HTTP 501 Not Implemented (not implemented)", false },

        // 408/409/425
        { 408, "", null, ErrorClass.Transient, "HTTP 408 Request Timeout", false },
        { 409, "", null, ErrorClass.Transient, "HTTP 409 Conflict", false },
        { 425, "", null, ErrorClass.Transient, "HTTP 425 Too Early", false },

        // Permanent for the provider
        { 401, "", null, ErrorClass.AuthFailed, "HTTP 401 Unauthorized", false },
        { 403, "", null, ErrorClass.AuthFailed, "HTTP 403 Forbidden", false },
        { 407, "", null, ErrorClass.AuthFailed, "HTTP 407 Proxy Authentication Required", false },
        { 402, "", null, ErrorClass.QuotaExhausted, "HTTP 402 Payment Required", false },
        { 404, "", null, ErrorClass.NotFound, "HTTP 404 Not Found", false },
        { 405, "", null, ErrorClass.NotFound, "HTTP 405 Method Not Allowed", false },
        { 410, "", null, ErrorClass.NotFound, "HTTP 410 Gone", false },
        { 301, "", null, ErrorClass.NotFound, "HTTP 301 Moved Permanently (endpoint moved; fix the base URL)", false },
        { 302, "", null, ErrorClass.NotFound, "HTTP 302 Found (endpoint moved; fix the base URL)", false },
        { 307, "", null, ErrorClass.NotFound, "HTTP 307 Temporary Redirect (endpoint moved; fix the base URL)", false },
        { 308, "", null, ErrorClass.NotFound, "HTTP 308 Permanent Redirect (endpoint moved; fix the base URL)", false },

        // Request rejected
        { 400, "bad role", null, ErrorClass.RequestRejected, "HTTP 400 Bad Request", false },
        { 400, "prompt is too long", null, ErrorClass.RequestRejected, "HTTP 400 Bad Request (payload too large)", true },
        { 400, "This model's maximum context length is 8192 tokens", null, ErrorClass.RequestRejected, "HTTP 400 Bad Request (payload too large)", true },
        { 400, "{\"code\":\"context_length_exceeded\"}", null, ErrorClass.RequestRejected, "HTTP 400 Bad Request (payload too large)", true },
        { 400, "max_tokens must be less than 4096", null, ErrorClass.RequestRejected, "HTTP 400 Bad Request (payload too large)", true },
        { 422, "Input length exceeds the maximum", null, ErrorClass.RequestRejected, "HTTP 422 Unprocessable Entity (payload too large)", true },
        { 422, "request entity too large", null, ErrorClass.RequestRejected, "HTTP 422 Unprocessable Entity (payload too large)", true },
        { 422, "invalid payload", null, ErrorClass.RequestRejected, "HTTP 422 Unprocessable Entity (payload too large)", true },
        { 422, "messages.0.role: unknown role", null, ErrorClass.RequestRejected, "HTTP 422 Unprocessable Entity", false },
        { 413, "", null, ErrorClass.RequestRejected, "HTTP 413 Payload Too Large (payload too large)", true },
        { 414, "", null, ErrorClass.RequestRejected, "HTTP 414 URI Too Long", false },
        { 431, "", null, ErrorClass.RequestRejected, "HTTP 431 Request Header Fields Too Large", false },

        // Everything else has an explicit Unexpected row
        { 100, "", null, ErrorClass.Unexpected, "HTTP 100 Continue (informational)", false },
        { 101, "", null, ErrorClass.Unexpected, "HTTP 101 Switching Protocols (informational)", false },
        { 406, "", null, ErrorClass.Unexpected, "HTTP 406 Not Acceptable", false },
        { 411, "", null, ErrorClass.Unexpected, "HTTP 411 Length Required", false },
        { 412, "", null, ErrorClass.Unexpected, "HTTP 412 Precondition Failed", false },
        { 415, "", null, ErrorClass.Unexpected, "HTTP 415 Unsupported Media Type", false },
        { 416, "", null, ErrorClass.Unexpected, "HTTP 416 Range Not Satisfiable", false },
        { 417, "", null, ErrorClass.Unexpected, "HTTP 417 Expectation Failed", false },
        { 418, "", null, ErrorClass.Unexpected, "HTTP 418 I'm a teapot", false },
        { 421, "", null, ErrorClass.Unexpected, "HTTP 421 Misdirected Request", false },
        { 423, "", null, ErrorClass.Unexpected, "HTTP 423 Locked", false },
        { 424, "", null, ErrorClass.Unexpected, "HTTP 424 Failed Dependency", false },
        { 426, "", null, ErrorClass.Unexpected, "HTTP 426 Upgrade Required", false },
        { 428, "", null, ErrorClass.Unexpected, "HTTP 428 Precondition Required", false },
        { 451, "", null, ErrorClass.Unexpected, "HTTP 451 Unavailable For Legal Reasons", false },
        { 499, "rate limit", null, ErrorClass.Unexpected, "HTTP 499", false },
        { 600, "", null, ErrorClass.Unexpected, "HTTP 600 (not an HTTP status)", false },
        { 999, "", null, ErrorClass.Unexpected, "HTTP 999 (not an HTTP status)", false },
        { 0, "", null, ErrorClass.Unexpected, "HTTP 0 (not an HTTP status)", false },
    };

    [Theory]
    [MemberData(nameof(StatusRows))]
    public void Classify_Status_MatchesSpecRow(
        int status, string body, string? parse, ErrorClass expectedClass, string expectedReason, bool payloadTooLarge)
    {
        var response = new ProviderResponse
        {
            StatusCode = status,
            BodyExcerpt = body,
            Completion = parse == Completed ? new ChatCompletion("hi", "m") : null,
            ParseError = parse == Completed ? null : parse,
        };

        var outcome = _classifier.Classify(response);

        Assert.Equal(expectedClass, outcome.Class);
        Assert.Equal(expectedReason, outcome.Reason);
        Assert.Equal(payloadTooLarge, outcome.PayloadTooLarge);
        Assert.Equal(status, outcome.HttpStatus);
    }

    [Theory]
    [InlineData(200, ErrorClass.MalformedResponse)] // no completion in the body
    [InlineData(429, ErrorClass.RateLimited)]
    [InlineData(503, ErrorClass.Transient)]
    public void Classify_ResponseWithRateLimitHeaders_CarriesTheReportedWindow(int status, ErrorClass expected)
    {
        var headers = new Dictionary<string, string> { ["x-ratelimit-remaining-requests"] = "4", ["x-ratelimit-reset-requests"] = "12s" };

        var outcome = _classifier.Classify(new ProviderResponse { StatusCode = status, RateLimitHeaders = headers });

        Assert.Equal(expected, outcome.Class);
        Assert.Equal(new RateLimitQuota(4, Now.AddSeconds(12)), outcome.Quota);
    }

    [Fact]
    public void ClassifyFirstToken_StreamWithRateLimitHeaders_IsASuccessCarryingTheReportedWindow()
    {
        var headers = new Dictionary<string, string> { ["x-ratelimit-remaining-requests"] = "0", ["x-ratelimit-reset-requests"] = "850ms" };

        var outcome = _classifier.ClassifyFirstToken(200, headers);

        Assert.Equal(ErrorClass.Success, outcome.Class);
        Assert.Equal(new RateLimitQuota(0, Now.AddMilliseconds(850)), outcome.Quota);
    }

    [Fact]
    public void StatusTable_Rows_CoverEveryIntContiguously()
    {
        var rules = StatusTable.Rules;

        Assert.Equal(int.MinValue, rules[0].From);
        Assert.Equal(int.MaxValue, rules[^1].To);
        for (var i = 1; i < rules.Count; i++)
        {
            Assert.True(rules[i].From == rules[i - 1].To + 1, $"gap or overlap before row {rules[i]}");
        }
    }

    [Fact]
    public void Classify_EveryStatusFrom0To1000_NeverThrowsAndHasReason()
    {
        for (var status = 0; status <= 1000; status++)
        {
            var outcome = _classifier.Classify(new ProviderResponse { StatusCode = status });
            Assert.StartsWith($"HTTP {status}", outcome.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Classify_429WithRetryAfterSeconds_SetsRetryAtAndReason()
    {
        var outcome = _classifier.Classify(new ProviderResponse { StatusCode = 429, RetryAfter = "12" });

        Assert.Equal(ErrorClass.RateLimited, outcome.Class);
        Assert.Equal(Now.AddSeconds(12), outcome.RetryAt);
        Assert.Equal("HTTP 429 Too Many Requests (retry after 12s)", outcome.Reason);
    }

    [Fact]
    public void Classify_429WithResetHeaders_UsesExhaustedLimit()
    {
        var outcome = _classifier.Classify(new ProviderResponse
        {
            StatusCode = 429,
            RateLimitHeaders = new Dictionary<string, string>
            {
                ["x-ratelimit-remaining-requests"] = "0",
                ["x-ratelimit-reset-requests"] = "2m59.56s",
                ["x-ratelimit-remaining-tokens"] = "5000",
                ["x-ratelimit-reset-tokens"] = "1h",
            },
        });

        Assert.Equal(Now.AddSeconds(179.56), outcome.RetryAt);
        Assert.Equal("HTTP 429 Too Many Requests (retry after 180s)", outcome.Reason);
    }

    [Fact]
    public void Classify_503RateLimitBodyWithRetryAfter_ReportsBoth()
    {
        var outcome = _classifier.Classify(new ProviderResponse
        {
            StatusCode = 503,
            RetryAfter = "5",
            BodyExcerpt = "rate limit reached",
        });

        Assert.Equal(ErrorClass.RateLimited, outcome.Class);
        Assert.Equal(Now.AddSeconds(5), outcome.RetryAt);
        Assert.Equal("HTTP 503 Service Unavailable (rate limit in body, retry after 5s)", outcome.Reason);
    }

    [Fact]
    public void Classify_503WithoutRateLimitBody_DoesNotSetRetryAt()
    {
        var outcome = _classifier.Classify(new ProviderResponse { StatusCode = 503, RetryAfter = "5" });

        Assert.Equal(ErrorClass.Transient, outcome.Class);
        Assert.Null(outcome.RetryAt);
    }

    [Fact]
    public void Classify_429WithGarbageRetryAfter_HasNoRetryAt()
    {
        var outcome = _classifier.Classify(new ProviderResponse { StatusCode = 429, RetryAfter = "soon" });

        Assert.Null(outcome.RetryAt);
        Assert.Equal("HTTP 429 Too Many Requests", outcome.Reason);
    }
}
