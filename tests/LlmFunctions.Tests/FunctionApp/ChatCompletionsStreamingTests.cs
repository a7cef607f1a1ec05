using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using LlmFunctions.Simulator;
using LlmFunctions.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace LlmFunctions.Tests.FunctionApp;

/// <summary><c>"stream": true</c> through the whole app (standalone host in memory, Azurite, the simulator), with the
/// official OpenAI .NET SDK as the client where a client is involved.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ChatCompletionsStreamingTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    // One attempt per provider, so a failure moves on to the next at once.
    private static readonly Dictionary<string, string?> OneAttemptEach = new() { ["LlmFunctions:Failover:MaxAttemptsPerProvider"] = "1" };

    [Theory]
    [InlineData("\"stream\": { \"cutAfterChunks\": 0 }")]
    [InlineData("\"stream\": { \"cutAfterChunks\": 0, \"cutStyle\": \"end\" }")]
    [InlineData("\"status\": 503")]
    [InlineData("\"stream\": { \"chunks\": 0 }")]
    public async Task FirstProviderFailsBeforeFirstToken_StreamIsTheSameAsADirectStreamFromTheNext(string groqFails)
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", groqFails), ("Cerebras", "\"stream\": { \"chunks\": 5 }")), OneAttemptEach);
        var messages = new ChatMessage[] { new SystemChatMessage("be brief"), new UserChatMessage("Say hello slowly") };

        var through = await CollectAsync(GatewayClient(app), messages);
        var cerebrasModel = app.Catalog.Find("Cerebras")!.Models[0];
        var direct = await CollectAsync(DirectClient(app.Simulator, "Cerebras", cerebrasModel), messages);

        Assert.Equal(direct.Deltas, through.Deltas);
        Assert.Equal(5, through.Deltas.Count);
        Assert.Equal(direct.FinishReason, through.FinishReason);
        Assert.Equal(direct.Role, through.Role);
        Assert.Equal(direct.Usage, through.Usage);
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
        var groq = Assert.Single(await app.Health.GetAllAsync(), h => h.Key.Provider == "Groq");
        Assert.Equal(1, groq.FailureCount);
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("end")]
    public async Task ProviderCutAfterThreeChunks_SdkRaises_AndTheHealthRecordsTheFailure(string cutStyle)
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", $$"""
            "stream": { "chunks": 6, "cutAfterChunks": 3, "cutStyle": "{{cutStyle}}" }
            """)));
        var deltas = new List<string>();

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in GatewayClient(app).CompleteChatStreamingAsync([new UserChatMessage("hi")]).WithCancellation(Timeout()))
            {
                deltas.AddRange(update.ContentUpdate.Select(p => p.Text));
            }
        });

        Assert.IsNotType<OperationCanceledException>(error);
        Assert.Equal(3, deltas.Count(d => d.Length > 0));
        var groq = Assert.Single(await app.Health.GetAllAsync(), h => h.Key.Provider == "Groq");
        Assert.Equal(1, groq.FailureCount);
        Assert.Equal("Transient", groq.LastErrorClass);
    }

    [Fact]
    public async Task ProviderCutMidStream_EndsWithAnOpenAiErrorEventCarryingTelemetry_AndNoDone()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"stream\": { \"chunks\": 6, \"cutAfterChunks\": 3, \"cutStyle\": \"end\" }")));
        var events = new List<string>();

        await Assert.ThrowsAnyAsync<IOException>(() => ReadEventsAsync(app, """{"stream":true,"messages":[{"role":"user","content":"hi"}]}""", events));

        Assert.DoesNotContain("[DONE]", events);
        using var last = JsonDocument.Parse(events[^1]);
        var error = last.RootElement.GetProperty("error");
        Assert.Equal("stream_interrupted", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Contains("Groq", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var stream = last.RootElement.GetProperty("llmfunctions").GetProperty("stream");
        Assert.False(stream.GetProperty("completed").GetBoolean());
        Assert.Equal("Transient", stream.GetProperty("error_class").GetString());
        Assert.Equal(1 + 3, stream.GetProperty("chunks").GetInt32());
    }

    [Fact]
    public async Task ClientDisconnects_UpstreamIsCancelledWithinOneSecond_AndNoFailureIsRecorded()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"stream\": { \"chunks\": 200, \"chunkLatencyMs\": { \"fixed\": 20 } }")));
        using var leave = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in GatewayClient(app).CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: leave.Token))
            {
                if (update.ContentUpdate.Any(p => p.Text.Length > 0) && ++seen == 2)
                {
                    await leave.CancelAsync();
                }
            }
        });
        var left = System.Diagnostics.Stopwatch.GetTimestamp();
        await Eventually.WaitAsync(() => app.Simulator.Stats.For("Groq").Count(SimulatorOutcomes.StreamCancelled) == 1, TimeSpan.FromSeconds(5), "the simulator to see the stream cancelled");
        var took = System.Diagnostics.Stopwatch.GetElapsedTime(left);

        Assert.True(took < TimeSpan.FromSeconds(1), $"upstream cancelled {took.TotalMilliseconds} ms after the client left");
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Count(SimulatorOutcomes.Ok));
        var groq = Assert.Single(await app.Health.GetAllAsync(), h => h.Key.Provider == "Groq");
        Assert.Equal(0, groq.FailureCount);
        Assert.Equal(0, groq.ConsecutiveFailures);
    }

    [Fact]
    public async Task SlowFirstToken_TimesOutAndFailsOver_TelemetryShowsEachAttemptsTimeToFirstToken()
    {
        var settings = new Dictionary<string, string?>(OneAttemptEach) { ["LlmFunctions:Providers:Groq:FirstTokenTimeoutSeconds"] = "0.3" };
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"stream\": { \"firstTokenMs\": { \"fixed\": 20000 } }"), ("Cerebras", "")), settings);
        var events = new List<string>();

        await ReadEventsAsync(app, """{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""", events);

        Assert.Equal("[DONE]", events[^1]);
        using var telemetry = JsonDocument.Parse(events[^2]);
        var metadata = telemetry.RootElement.GetProperty("llmfunctions");
        Assert.Equal("Cerebras", metadata.GetProperty("provider").GetString());
        Assert.True(metadata.GetProperty("fallback_used").GetBoolean());
        var attempts = metadata.GetProperty("attempts");
        Assert.Equal("Groq", attempts[0].GetProperty("provider").GetString());
        Assert.Equal("Transient", attempts[0].GetProperty("error_class").GetString());
        Assert.Equal("no first token within 300ms", attempts[0].GetProperty("reason").GetString());
        Assert.Equal("Success", attempts[1].GetProperty("error_class").GetString());
        Assert.True(attempts[1].GetProperty("time_to_first_token_ms").GetInt64() >= 0);
        var stream = metadata.GetProperty("stream");
        Assert.True(stream.GetProperty("completed").GetBoolean());
        Assert.True(stream.GetProperty("usage_sent").GetBoolean());
        Assert.True(telemetry.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.False(metadata.GetProperty("usage_estimated").GetBoolean());
        Assert.Single(events, e => e.Contains("\"usage\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IncludeUsage_ProviderSendingNone_LastChunkCarriesEstimatedUsageMarkedSo()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"stream\": { \"chunks\": 3, \"usage\": false }")));
        var events = new List<string>();

        await ReadEventsAsync(app, """{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there"}]}""", events);

        Assert.Equal("[DONE]", events[^1]);
        using var last = JsonDocument.Parse(events[^2]);
        var usage = last.RootElement.GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.True(usage.GetProperty("completion_tokens").GetInt32() > 0);
        var metadata = last.RootElement.GetProperty("llmfunctions");
        Assert.True(metadata.GetProperty("usage_estimated").GetBoolean());
        Assert.False(metadata.GetProperty("stream").GetProperty("usage_sent").GetBoolean());
    }

    [Fact]
    public async Task EveryProviderCoolingDown_Answers503WithRetryAfter_BeforeAnyEvent()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"rateLimit\": { \"requestsPerWindow\": 0, \"windowSeconds\": 120 }")));
        using var client = app.Client();
        using var content = new StringContent("""{"stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.FromSeconds(60));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("all_providers_cooling_down", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task CloudflareProvider_StreamIsTranslatedForTheSdk()
    {
        const string Scenario = """{ "seed": 1, "providers": [ { "name": "Cloudflare", "api": "cloudflare", "stream": { "chunks": 4 } } ] }""";
        await using var app = await ChatApp.StartAsync(azurite, Scenario);

        var through = await CollectAsync(GatewayClient(app), [new UserChatMessage("hi")]);

        Assert.Equal(4, through.Deltas.Count);
        Assert.StartsWith("[Cloudflare/", string.Concat(through.Deltas), StringComparison.Ordinal);
        Assert.EndsWith("echo: hi", string.Concat(through.Deltas), StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, through.FinishReason);
        Assert.NotNull(through.Usage);
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TestTimeout).Token;

    private static ChatClient GatewayClient(ChatApp app) => new("auto", new ApiKeyCredential("unused"), new OpenAIClientOptions
    {
        Endpoint = new Uri(app.Factory.Server.BaseAddress, "v1"),
        Transport = new HttpClientPipelineTransport(app.Client()),
    });

    private static ChatClient DirectClient(SimulatorServer simulator, string provider, string model) =>
        new(model, new ApiKeyCredential("direct-key"), new OpenAIClientOptions { Endpoint = simulator.OpenAiBaseUrl(provider) });

    private static async Task<Collected> CollectAsync(ChatClient client, IEnumerable<ChatMessage> messages)
    {
        var deltas = new List<string>();
        ChatFinishReason? finish = null;
        ChatMessageRole? role = null;
        string? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages).WithCancellation(Timeout()))
        {
            deltas.AddRange(update.ContentUpdate.Select(p => p.Text).Where(t => t.Length > 0));
            finish ??= update.FinishReason;
            role ??= update.Role;
            if (update.Usage is { } u)
            {
                usage = $"{u.InputTokenCount}/{u.OutputTokenCount}/{u.TotalTokenCount}";
            }
        }

        return new Collected(deltas, finish, role, usage);
    }

    private static async Task ReadEventsAsync(ChatApp app, string body, List<string> events)
    {
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/chat/completions", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Timeout());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync(Timeout()) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line[6..]);
            }
        }
    }

    private sealed record Collected(List<string> Deltas, ChatFinishReason? FinishReason, ChatMessageRole? Role, string? Usage);
}
