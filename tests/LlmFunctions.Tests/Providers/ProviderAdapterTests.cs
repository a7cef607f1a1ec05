using System.Text.Json;
using LlmFunctions.Classification;
using LlmFunctions.Providers;
using LlmFunctions.Security;

namespace LlmFunctions.Tests.Providers;

public sealed class ProviderAdapterTests : IAsyncLifetime, IDisposable
{
    private const string ApiKey = "test-api-key-0123456789";
    private const string CloudflareModel = "@cf/meta/llama-3.1-8b-instruct";

    private static readonly ChatRequest Request = new(
        [new ChatMessage("system", "be brief"), new ChatMessage("user", "hello")], "llama-3.1-8b-instant", Json("""{"max_tokens":64,"temperature":0.2}"""));

    private readonly HttpClient _httpClient = ProviderHttpHandler.CreateClient();
    private readonly SecretRedactor _redactor = new();
    private readonly ErrorClassifier _classifier = new(TimeProvider.System);
    private CannedProviderServer _server = null!;

    public async Task InitializeAsync() => _server = await CannedProviderServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _httpClient.Dispose();

    [Fact]
    public async Task SendAsync_OpenAiSuccess_ParsesCompletionAndSendsExpectedRequest()
    {
        _server.Respond(200, """
            {"id":"x","model":"llama-3.1-8b-instant","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}
            """);

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(("Hi!", "llama-3.1-8b-instant", "stop", 12, 3), Fields(response.Completion));
        Assert.False(response.Completion!.UsageEstimated);
        Assert.Equal(ErrorClass.Success, _classifier.Classify(response).Class);

        var received = Assert.Single(_server.Received);
        Assert.Equal("POST", received.Method);
        Assert.Equal("/openai/v1/chat/completions", received.RawTarget);
        Assert.Equal($"Bearer {ApiKey}", received.Authorization);
        Assert.StartsWith("application/json", received.ContentType, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(received.Body);
        var root = json.RootElement;
        Assert.Equal("llama-3.1-8b-instant", root.GetProperty("model").GetString());
        Assert.Equal(64, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.2, root.GetProperty("temperature").GetDouble());
        Assert.False(root.GetProperty("stream").GetBoolean());
        var messages = root.GetProperty("messages");
        Assert.Equal(2, messages.GetArrayLength());
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("hello", messages[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task SendAsync_OpenAiWithoutOptionalFields_OmitsThem()
    {
        _server.Respond(200, """{"choices":[{"message":{"content":"ok"}}]}""");

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request with { Parameters = null }, ApiKey, CancellationToken.None);

        Assert.Equal(("ok", "llama-3.1-8b-instant", null, 4, 1), Fields(response.Completion));
        Assert.True(response.Completion!.UsageEstimated);
        using var json = JsonDocument.Parse(Assert.Single(_server.Received).Body);
        Assert.False(json.RootElement.TryGetProperty("max_tokens", out _));
        Assert.False(json.RootElement.TryGetProperty("temperature", out _));
    }

    [Fact]
    public async Task SendAsync_CloudflareSuccess_ParsesResultAndKeepsModelPath()
    {
        _server.Respond(200, """{"result":{"response":"Bonjour"},"success":true,"errors":[],"messages":[]}""");
        var response = await Cloudflare().SendAsync(CloudflareEndpoint(), Request with { Model = CloudflareModel }, ApiKey, CancellationToken.None);

        Assert.Equal(("Bonjour", CloudflareModel, "stop", 4, 2), Fields(response.Completion));
        Assert.True(response.Completion!.UsageEstimated);
        var received = Assert.Single(_server.Received);
        Assert.Equal("/client/v4/accounts/acc123/ai/run/@cf/meta/llama-3.1-8b-instruct", received.RawTarget);
        Assert.Equal($"Bearer {ApiKey}", received.Authorization);
        using var json = JsonDocument.Parse(received.Body);
        var root = json.RootElement;
        Assert.False(root.TryGetProperty("model", out _));
        Assert.False(root.TryGetProperty("stream", out _));
        Assert.Equal(64, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.2, root.GetProperty("temperature").GetDouble());
        Assert.Equal("be brief", root.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("""{"result":null,"success":false,"errors":[{"code":5007,"message":"No such model"}]}""", "success=false")]
    [InlineData("""{"success":true}""", "no result.response")]
    public async Task SendAsync_CloudflareUnsuccessfulBody_IsParseError(string body, string parseError)
    {
        _server.Respond(200, body);

        var response = await Cloudflare().SendAsync(CloudflareEndpoint(), Request with { Model = CloudflareModel }, ApiKey, CancellationToken.None);

        Assert.Null(response.Completion);
        Assert.Equal(parseError, response.ParseError);
        Assert.Equal(ErrorClass.MalformedResponse, _classifier.Classify(response).Class);
    }

    [Fact]
    public async Task SendAsync_429WithHeaders_KeepsRetryAfterAndRateLimitHeaders()
    {
        _server.Respond(429, """{"error":{"message":"Rate limit reached","type":"tokens"}}""",
            ("Retry-After", "7"),
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "2m59.56s"),
            ("X-RateLimit-Reset-Tokens", "850ms"),
            ("x-request-id", "abc"));

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);
        var outcome = _classifier.Classify(response);

        Assert.Equal(429, response.StatusCode);
        Assert.Equal("7", response.RetryAfter);
        Assert.Equal("0", response.RateLimitHeaders["x-ratelimit-remaining-requests"]);
        Assert.Equal("2m59.56s", response.RateLimitHeaders["x-ratelimit-reset-requests"]);
        Assert.Equal("850ms", response.RateLimitHeaders["x-ratelimit-reset-tokens"]);
        Assert.False(response.RateLimitHeaders.ContainsKey("x-request-id"));
        Assert.Equal(ErrorClass.RateLimited, outcome.Class);
        Assert.Equal("HTTP 429 Too Many Requests (retry after 7s)", outcome.Reason);
    }

    [Fact]
    public async Task SendAsync_500WithRateLimitBody_IsRateLimited()
    {
        _server.Respond(500, """{"error":"Too many requests, please slow down"}""");

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);

        Assert.Null(response.Completion);
        Assert.Null(response.ParseError);
        Assert.Equal(ErrorClass.RateLimited, _classifier.Classify(response).Class);
    }

    [Theory]
    [InlineData("", "empty body")]
    [InlineData("<html>Service OK</html>", "invalid JSON")]
    [InlineData("""{"choices":[]}""", "no choices")]
    [InlineData("""{"choices":[{"message":{"content":null}}]}""", "no content")]
    public async Task SendAsync_Malformed200_IsParseErrorClassifiedMalformed(string body, string parseError)
    {
        _server.Respond(200, body);

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);

        Assert.Equal(parseError, response.ParseError);
        Assert.Equal(ErrorClass.MalformedResponse, _classifier.Classify(response).Class);
    }

    [Fact]
    public async Task SendAsync_BodyOverLimit_IsParseErrorBodyTooLarge()
    {
        var huge = "{\"choices\":[{\"message\":{\"content\":\"" + new string('a', ProviderAdapterBase.MaxBodyBytes) + "\"}}]}";
        _server.Respond(200, huge);

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);

        Assert.Equal("body too large", response.ParseError);
        Assert.Equal(ProviderAdapterBase.MaxExcerptChars, response.BodyExcerpt.Length);
    }

    [Fact]
    public async Task SendAsync_403EchoingApiKey_ExcerptIsRedacted()
    {
        _server.Respond(403, $$"""{"error":"Invalid API key: {{ApiKey}}"}""");

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);
        var outcome = _classifier.Classify(response);

        Assert.DoesNotContain(ApiKey, response.BodyExcerpt, StringComparison.Ordinal);
        Assert.Contains("Invalid API key: ***", response.BodyExcerpt, StringComparison.Ordinal);
        Assert.Equal(ErrorClass.AuthFailed, outcome.Class);
        Assert.Equal("HTTP 403 Forbidden", outcome.Reason);
        Assert.DoesNotContain(ApiKey, outcome.BodyExcerpt!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_LongBody_ExcerptIsCappedAt512Chars()
    {
        _server.Respond(400, new string('x', 5000));

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);

        Assert.Equal(ProviderAdapterBase.MaxExcerptChars, response.BodyExcerpt.Length);
    }

    [Fact]
    public async Task SendAsync_Redirect_IsNotFollowedAndClassifiedNotFound()
    {
        _server.Respond(301, "", ("Location", "http://127.0.0.1:1/elsewhere"));

        var response = await OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None);

        Assert.Equal(301, response.StatusCode);
        Assert.Single(_server.Received);
        Assert.Equal(ErrorClass.NotFound, _classifier.Classify(response).Class);
    }

    [Fact]
    public async Task SendAsync_ExtraHeaders_AreSent()
    {
        string? referer = null;
        _server.Respond(context =>
        {
            referer = context.Request.Headers["HTTP-Referer"];
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        });
        var endpoint = OpenAiEndpoint() with
        {
            ExtraHeaders = new Dictionary<string, string> { ["HTTP-Referer"] = "https://llmfunctions.example" },
        };

        var response = await OpenAi().SendAsync(endpoint, Request, ApiKey, CancellationToken.None);

        Assert.Equal(404, response.StatusCode);
        Assert.Equal("https://llmfunctions.example", referer);
    }

    [Fact]
    public async Task SendAsync_ServerAbortsConnection_ThrowsHttpRequestExceptionClassifiedTransient()
    {
        _server.Respond(context =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        var exception = await Assert.ThrowsAsync<HttpRequestException>(
            () => OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, CancellationToken.None));
        var outcome = _classifier.Classify(exception, cancelledByCaller: false);

        Assert.Equal(ErrorClass.Transient, outcome.Class);
        Assert.DoesNotContain("unexpected", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_CallerCancels_ThrowsAndClassifiesCancelled()
    {
        using var caller = new CancellationTokenSource();
        var requestArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Respond(async context =>
        {
            requestArrived.SetResult();
            var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = context.RequestAborted.Register(() => aborted.TrySetResult());
            await aborted.Task;
        });

        var send = OpenAi().SendAsync(OpenAiEndpoint(), Request, ApiKey, caller.Token);
        await requestArrived.Task;
        await caller.CancelAsync();
        var exception = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);

        Assert.Equal(ErrorClass.Cancelled, _classifier.Classify(exception, caller.Token).Class);
    }

    [Fact]
    public async Task SendAsync_NothingListening_ThrowsConnectionRefused()
    {
        var port = _server.BaseUrl.Port;
        await _server.DisposeAsync();
        _server = await CannedProviderServer.StartAsync();
        var endpoint = OpenAiEndpoint() with { BaseUrl = new Uri($"http://127.0.0.1:{port}/v1") };

        var exception = await Assert.ThrowsAsync<HttpRequestException>(
            () => OpenAi().SendAsync(endpoint, Request, ApiKey, CancellationToken.None));

        Assert.Equal("connection refused", _classifier.Classify(exception, cancelledByCaller: false).Reason);
    }

    [Fact]
    public void ProviderHttpHandler_Create_DisablesRedirectsAndSetsTimeouts()
    {
        using var handler = ProviderHttpHandler.Create();

        Assert.False(handler.AllowAutoRedirect);
        Assert.Equal(TimeSpan.FromMinutes(2), handler.PooledConnectionLifetime);
        Assert.Equal(TimeSpan.FromSeconds(10), handler.ConnectTimeout);
        Assert.Equal(System.Net.DecompressionMethods.All, handler.AutomaticDecompression);
        Assert.Equal(Timeout.InfiniteTimeSpan, _httpClient.Timeout);
    }

    private OpenAiCompatibleAdapter OpenAi() => new(_httpClient, _redactor);

    private CloudflareWorkersAiAdapter Cloudflare() => new(_httpClient, _redactor);

    private ProviderEndpoint OpenAiEndpoint() => new(
        "groq", ProviderKind.OpenAiCompatible, new Uri(_server.BaseUrl, "/openai/v1/"), new Dictionary<string, string>());

    private ProviderEndpoint CloudflareEndpoint() => new(
        "cloudflare", ProviderKind.CloudflareWorkersAi, new Uri(_server.BaseUrl, "/client/v4"),
        new Dictionary<string, string>(), CloudflareAccountId: "acc123");

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static (string, string, string?, int?, int?)? Fields(ChatCompletion? c) =>
        c is null ? null : (c.Content, c.Model, c.FinishReason, c.PromptTokens, c.CompletionTokens);
}
