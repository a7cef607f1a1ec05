using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace LlmFunctions.Tests.FunctionApp;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ChatCompletionsTests(AzuriteFixture azurite)
{
    private static readonly string TwoHealthy = ChatApp.Scenario(("Groq", ""), ("Cerebras", ""));

    [Fact]
    public async Task OpenAiSdk_CompletesThroughTheGateway()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        var client = new ChatClient("auto", new ApiKeyCredential("unused"), new OpenAIClientOptions
        {
            Endpoint = new Uri(app.Factory.Server.BaseAddress, "v1"),
            Transport = new HttpClientPipelineTransport(app.Client()),
        });

        ChatCompletion completion = await client.CompleteChatAsync([new SystemChatMessage("be brief"), new UserChatMessage("Say hello")]);

        Assert.False(string.IsNullOrEmpty(completion.Content[0].Text));
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.StartsWith("Groq/", completion.Model, StringComparison.Ordinal);
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task Success_CarriesPerAttemptTelemetry()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 403"), ("Cerebras", "")));
        using var response = await PostAsync(app, """{"model":"auto","messages":[{"role":"user","content":"hi"}],"max_tokens":50,"temperature":0.5}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal("assistant", json.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString());
        var telemetry = json.GetProperty("llmfunctions");
        Assert.True(telemetry.GetProperty("fallback_used").GetBoolean());
        Assert.False(telemetry.GetProperty("truncated").GetBoolean());
        Assert.Equal(2, telemetry.GetProperty("prompt_chars").GetInt32());
        var attempts = telemetry.GetProperty("attempts");
        Assert.Equal(2, attempts.GetArrayLength());
        Assert.Equal("Groq", attempts[0].GetProperty("provider").GetString());
        Assert.Equal(403, attempts[0].GetProperty("http_status").GetInt32());
        Assert.Equal("AuthFailed", attempts[0].GetProperty("error_class").GetString());
        Assert.Equal("Cerebras", attempts[1].GetProperty("provider").GetString());
        Assert.Equal(1, attempts[1].GetProperty("attempt").GetInt32());
        Assert.Equal(0, attempts[1].GetProperty("wait_before_ms").GetInt64());
        Assert.True(attempts[1].TryGetProperty("duration_ms", out _));
    }

    [Fact]
    public async Task ModelHint_IsTriedFirst()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        using var response = await PostAsync(app, """{"model":"Cerebras","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Cerebras/", (await JsonAsync(response)).GetProperty("model").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("[]", null)]
    [InlineData("""{"model":"auto"}""", "messages")]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"messages":"hello"}""", "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"a"},{"role":99,"content":"b"}]}""", "messages[1].role")]
    [InlineData("""{"messages":[{"role":"robot","content":"a"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user"}]}""", "messages[0].content")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"max_tokens":100001}""", "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"temperature":2.5}""", "temperature")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"deadline_seconds":301}""", "deadline_seconds")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"allow_truncation":"yes"}""", "allow_truncation")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"stream":"yes"}""", "stream")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"stream":true,"stream_options":[]}""", "stream_options")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"stream":true,"stream_options":{"include_usage":1}}""", "stream_options.include_usage")]
    public async Task BadInput_Returns400NamingTheField_AndCallsNoProvider(string body, string? param)
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        using var response = await PostAsync(app, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        var message = error.GetProperty("message").GetString()!;
        if (param is null)
        {
            Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        }
        else
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
            Assert.Contains(param, message, StringComparison.Ordinal);
        }

        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls + app.Simulator.Stats.For("Cerebras").Calls);
        Assert.Empty(await app.Health.GetAllAsync());
    }

    [Fact]
    public async Task OversizeBody_Returns413NamingTheLimit()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        var prompt = new string('x', (1024 * 1024) + 1);
        using var response = await PostAsync(app, $$"""{"messages":[{"role":"user","content":"{{prompt}}"}]}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1048576 bytes", (await JsonAsync(response)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task AllProvidersDead_Returns502ListingEachReason()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 403"), ("Cerebras", "\"status\": 403")));
        using var response = await PostAsync(app, """{"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var json = await JsonAsync(response);
        var message = json.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("Groq", message, StringComparison.Ordinal);
        Assert.Contains("Cerebras", message, StringComparison.Ordinal);
        Assert.Contains("HTTP 403 Forbidden", message, StringComparison.Ordinal);
        Assert.Equal(2, json.GetProperty("llmfunctions").GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task EveryProviderCoolingDown_Returns503WithRetryAfter()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        var until = DateTimeOffset.UtcNow.AddHours(1);
        foreach (var provider in app.Catalog.Providers)
        {
            await app.Health.DisableAsync(new ProviderKey(provider.Name, provider.Models[0]), until, "test");
        }

        using var response = await PostAsync(app, """{"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 3000, 3601);
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task PromptOverEveryBudget_Returns413NamingTheLimit_OrTruncatesWhenAllowed()
    {
        var settings = new Dictionary<string, string?>
        {
            ["LlmFunctions:Providers:Groq:MaxPromptChars"] = "100",
            ["LlmFunctions:Providers:Cerebras:MaxPromptChars"] = "100",
        };
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy, settings);
        var prompt = new string('a', 300);

        using var refused = await PostAsync(app, $$"""{"messages":[{"role":"user","content":"{{prompt}}"}]}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("MaxPromptChars", (await JsonAsync(refused)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);

        using var truncated = await PostAsync(app, $$"""{"messages":[{"role":"user","content":"{{prompt}}"}],"allow_truncation":true}""");
        Assert.Equal(HttpStatusCode.OK, truncated.StatusCode);
        var telemetry = (await JsonAsync(truncated)).GetProperty("llmfunctions");
        Assert.True(telemetry.GetProperty("truncated").GetBoolean());
        Assert.InRange(telemetry.GetProperty("prompt_chars").GetInt32(), 1, 100);
    }

    [Fact]
    public async Task WaitPastSyncLimit_WithPreferRespondAsync_HandsOffToDurableInstanceWith202AndManagementPayload()
    {
        var settings = new Dictionary<string, string?> { ["LlmFunctions:Http:SyncWaitSeconds"] = "0" };
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 500")), settings);
        // Known from an earlier success, so a 500 counts toward the circuit and is retried after a backoff (a
        // never-seen provider's first call is a probe, and a failed probe opens the circuit instead).
        var groq = app.Catalog.Providers.Single(p => p.Name == "Groq");
        await app.Health.RecordAsync(new ProviderKey("Groq", groq.Models[0]), new AttemptOutcome { Class = ErrorClass.Success, HttpStatus = 200, Reason = "OK" });
        using var response = await PostAsync(app, """{"messages":[{"role":"user","content":"hi"}]}""", prefer: "wait=5, respond-async");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var json = await JsonAsync(response);
        var id = json.GetProperty("id").GetString()!;
        Assert.EndsWith($"/runtime/webhooks/durabletask/instances/{id}", response.Headers.Location!.GetLeftPart(UriPartial.Path), StringComparison.Ordinal);
        Assert.Equal(response.Headers.Location!.ToString(), json.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task WaitPastSyncLimit_WithoutPreferRespondAsync_Answers503WithRetryAfterAndStartsNoInstance()
    {
        var settings = new Dictionary<string, string?> { ["LlmFunctions:Http:SyncWaitSeconds"] = "0" };
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 500")), settings);
        var groq = app.Catalog.Providers.Single(p => p.Name == "Groq");
        await app.Health.RecordAsync(new ProviderKey("Groq", groq.Models[0]), new AttemptOutcome { Class = ErrorClass.Success, HttpStatus = 200, Reason = "OK" });

        using var response = await PostAsync(app, """{"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal("retry_later", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Contains("respond-async", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
    }

    private static async Task<HttpResponseMessage> PostAsync(ChatApp app, string body, string? prefer = null)
    {
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/chat/completions", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (prefer is not null)
        {
            request.Headers.TryAddWithoutValidation("Prefer", prefer);
        }

        return await client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
