using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace LlmFunctions.Tests.OpenAi;

/// <summary>
/// The gateway as an OpenAI endpoint for real clients: the official .NET SDK and raw bodies against the app hosted in
/// memory and the provider simulator, which records what each provider received.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class OpenAiPassThroughTests(AzuriteFixture azurite)
{
    private static readonly string TwoHealthy = ChatApp.Scenario(("Groq", ""), ("Cerebras", ""));

    [Fact]
    public async Task OpenAiSdk_ToolsRoundTrip_ToolCallsThenToolAnswerThenFinalAnswerPassThrough()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        var client = Chat(app, "Groq");
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("lookup_weather", "Looks up the weather", BinaryData.FromString("""{"type":"object","properties":{"question":{"type":"string"}}}""")));
        List<OpenAI.Chat.ChatMessage> messages = [new UserChatMessage("What is the weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("lookup_weather", call.FunctionName);
        Assert.Contains("Paris", call.FunctionArguments.ToString(), StringComparison.Ordinal);

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "sunny, 21 degrees"));
        ChatCompletion final = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, final.FinishReason);
        Assert.Contains("the tool said: sunny, 21 degrees", final.Content[0].Text, StringComparison.Ordinal);
        var received = JsonNode.Parse(app.Simulator.ReceivedBodies("Groq")[^1])!;
        var sent = received["messages"]!.AsArray();
        Assert.Equal(3, sent.Count);
        Assert.Equal("assistant", (string?)sent[1]!["role"]);
        Assert.Equal(call.Id, (string?)sent[1]!["tool_calls"]![0]!["id"]);
        Assert.Equal("lookup_weather", (string?)sent[1]!["tool_calls"]![0]!["function"]!["name"]);
        Assert.Equal("tool", (string?)sent[2]!["role"]);
        Assert.Equal(call.Id, (string?)sent[2]!["tool_call_id"]);
        Assert.Equal("lookup_weather", (string?)received["tools"]![0]!["function"]!["name"]);
    }

    [Fact]
    public async Task OpenAiSdk_ListAndGetModels_ServeEveryProviderModelAndRefuseAnUnknownOneWith404()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        var models = new OpenAIModelClient(new ApiKeyCredential("unused"), Options(app));

        OpenAIModelCollection list = await models.GetModelsAsync();
        OpenAIModel groq = await models.GetModelAsync("Groq/llama-3.3-70b-versatile");
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => models.GetModelAsync("gpt-4o-mini"));

        Assert.Equal(["Groq/llama-3.3-70b-versatile", "Cerebras/llama3.1-8b"], list.Select(m => m.Id).Order(StringComparer.Ordinal).Reverse());
        Assert.All(list, m => Assert.Equal(m.Id.Split('/')[0], m.OwnedBy));
        Assert.Equal("Groq", groq.OwnedBy);
        Assert.Equal(404, missing.Status);
        var error = JsonDocument.Parse(missing.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task EveryField_ReachesTheProviderUnchanged_OnlyModelRewritten()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        const string Body = """
            {"model":"Groq","messages":[
              {"role":"developer","content":"be brief"},
              {"role":"user","name":"ann","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_9","content":"42"}],
             "tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{}}}}],
             "tool_choice":"none","parallel_tool_calls":false,
             "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"},"strict":true}},
             "n":1,"stop":["\n\n","END"],"seed":42,"top_p":0.9,"temperature":0.3,"frequency_penalty":0.5,"presence_penalty":-0.5,
             "logit_bias":{"50256":-100},"logprobs":true,"top_logprobs":2,"user":"user-7",
             "max_tokens":77,"max_completion_tokens":66,"metadata":{"k":"v"},"x_vendor_field":{"deep":[1,"two",null,3.5e2]},
             "allow_truncation":false,"deadline_seconds":30}
            """;

        using var response = await PostAsync(app, Body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(Body)!.AsObject();
        var received = JsonNode.Parse(Assert.Single(app.Simulator.ReceivedBodies("Groq")))!.AsObject();
        Assert.Equal("llama-3.3-70b-versatile", (string?)received["model"]);
        Assert.False((bool)received["stream"]!);
        foreach (var (name, value) in sent)
        {
            if (name is "model" or "allow_truncation" or "deadline_seconds")
            {
                Assert.False(received.ContainsKey(name) && name != "model", $"{name} is the gateway's own and must not be relayed");
                continue;
            }

            Assert.True(JsonNode.DeepEquals(value, received[name]), $"{name}: sent {value?.ToJsonString()}, received {received[name]?.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Response_PassesThroughWhole_EveryChoiceFinishReasonAndUsage_WithTelemetryBeside()
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);

        using var response = await PostAsync(app, """{"model":"Cerebras/llama3.1-8b","n":3,"messages":[{"role":"user","content":"three answers please"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.StartsWith("chatcmpl-sim-", json.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("Cerebras/llama3.1-8b", json.GetProperty("model").GetString());
        var choices = json.GetProperty("choices");
        Assert.Equal(3, choices.GetArrayLength());
        Assert.Equal([0, 1, 2], choices.EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices.EnumerateArray(), c => Assert.Equal("stop", c.GetProperty("finish_reason").GetString()));
        Assert.EndsWith("(choice 2)", choices[2].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        var usage = json.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
        Assert.False(usage.TryGetProperty("estimated", out _));
        var telemetry = json.GetProperty("llmfunctions");
        Assert.Equal("Cerebras", telemetry.GetProperty("provider").GetString());
        Assert.False(telemetry.GetProperty("usage_estimated").GetBoolean());
        Assert.Equal(1, telemetry.GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task Cloudflare_SendsNoUsage_UsageIsEstimatedAndMarked()
    {
        await using var app = await ChatApp.StartAsync(azurite, Cloudflare(("Cloudflare", "cloudflare", "")));

        using var response = await PostAsync(app, """{"messages":[{"role":"user","content":"sixteen chars!!"}],"max_completion_tokens":20,"seed":3}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        var content = json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var usage = json.GetProperty("usage");
        Assert.True(usage.GetProperty("estimated").GetBoolean());
        Assert.Equal(4, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal((content.Length + 3) / 4, usage.GetProperty("completion_tokens").GetInt32());
        Assert.True(json.GetProperty("llmfunctions").GetProperty("usage_estimated").GetBoolean());
        var received = JsonNode.Parse(Assert.Single(app.Simulator.ReceivedBodies("Cloudflare")))!;
        Assert.Equal(20, (int)received["max_tokens"]!);
        Assert.Equal(3, (int)received["seed"]!);
    }

    [Fact]
    public async Task Cloudflare_CannotHonourTools_IsSkippedForThatRequest_OrRefusedWith400WhenAlone()
    {
        const string WithTools = """{"model":"Cloudflare","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""";
        await using (var app = await ChatApp.StartAsync(azurite, Cloudflare(("Cloudflare", "cloudflare", ""), ("Groq", "openai", ""))))
        {
            using var response = await PostAsync(app, WithTools);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await JsonAsync(response);
            Assert.StartsWith("Groq/", json.GetProperty("model").GetString(), StringComparison.Ordinal);
            var skip = Assert.Single(json.GetProperty("llmfunctions").GetProperty("skipped").EnumerateArray());
            Assert.Equal(("Cloudflare", "Unsupported"), (skip.GetProperty("provider").GetString(), skip.GetProperty("kind").GetString()));
            Assert.Contains("cannot honour tools", skip.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, app.Simulator.Stats.For("Cloudflare").Calls);
        }

        await using (var alone = await ChatApp.StartAsync(azurite, Cloudflare(("Cloudflare", "cloudflare", ""))))
        {
            using var response = await PostAsync(alone, WithTools);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = (await JsonAsync(response)).GetProperty("error");
            Assert.Equal("tools", error.GetProperty("param").GetString());
            Assert.Equal("unsupported_field", error.GetProperty("code").GetString());
            Assert.Equal(0, alone.Simulator.Stats.For("Cloudflare").Calls);
        }
    }

    [Theory]
    [InlineData("Cerebras", "Cerebras/llama3.1-8b")]
    [InlineData("Cerebras/llama3.1-8b", "Cerebras/llama3.1-8b")]
    [InlineData("llama3.1-8b", "Cerebras/llama3.1-8b")]
    [InlineData("auto", "Groq/llama-3.3-70b-versatile")]
    public async Task Model_NamingAProviderOrModel_IsTriedFirst_AndTheResponseSaysWhatAnswered(string model, string answered)
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);

        ChatCompletion completion = await Chat(app, model).CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal(answered, completion.Model);
    }

    [Fact]
    public async Task Model_NobodyServes_Is404ModelNotFound_UnlessAnAliasOrTheDefaultRouteMapsIt()
    {
        await using (var plain = await ChatApp.StartAsync(azurite, TwoHealthy))
        {
            var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat(plain, "gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]));
            using var wrongModel = await PostAsync(plain, """{"model":"Groq/not-a-model","messages":[{"role":"user","content":"hi"}]}""");

            Assert.Equal(404, refused.Status);
            Assert.Equal(HttpStatusCode.NotFound, wrongModel.StatusCode);
            var error = (await JsonAsync(wrongModel)).GetProperty("error");
            Assert.Equal(("model", "model_not_found", "invalid_request_error"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString(), error.GetProperty("type").GetString()));
            Assert.Equal(0, plain.Simulator.Stats.For("Groq").Calls + plain.Simulator.Stats.For("Cerebras").Calls);
        }

        var settings = new Dictionary<string, string?>
        {
            ["LlmFunctions:Models:Aliases:gpt-4o-mini"] = "Cerebras/llama3.1-8b",
            ["LlmFunctions:Models:DefaultRoute"] = "auto",
        };
        await using var mapped = await ChatApp.StartAsync(azurite, TwoHealthy, settings);

        ChatCompletion aliased = await Chat(mapped, "gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]);
        ChatCompletion defaulted = await Chat(mapped, "some-model-nobody-has").CompleteChatAsync([new UserChatMessage("hi")]);
        OpenAIModel alias = await new OpenAIModelClient(new ApiKeyCredential("unused"), Options(mapped)).GetModelAsync("gpt-4o-mini");

        Assert.Equal("Cerebras/llama3.1-8b", aliased.Model);
        Assert.Equal("Groq/llama-3.3-70b-versatile", defaulted.Model);
        Assert.Equal("llmfunctions", alias.OwnedBy);
    }

    [Theory]
    [InlineData("GET", "/v1/no-such-thing", 404, "not_found")]
    [InlineData("GET", "/v1/chat/completions", 405, "method_not_allowed")]
    [InlineData("DELETE", "/v1/models", 405, "method_not_allowed")]
    [InlineData("POST", "/api/providers/NoSuchProvider/reset", 404, "not_found")]
    public async Task Errors_OnEveryEndpoint_UseOpenAisShape(string method, string path, int status, string code)
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        using var client = app.Client();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)));

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("param", out _));
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 }, "messages[0].content")]
    [InlineData(new byte[] { 0xFF }, "messages[0].content")]
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'D', (byte)'8', (byte)'0', (byte)'0' }, "messages[0].content")]
    public async Task InvalidTextInContent_Is400NamingTheField(byte[] bad, string param)
    {
        await using var app = await ChatApp.StartAsync(azurite, TwoHealthy);
        var body = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"a""").Concat(bad).Concat(Encoding.UTF8.GetBytes("""b"}]}""")).ToArray();
        var surrogateModel = Encoding.UTF8.GetBytes("""{"model":"\udc00x","messages":[{"role":"user","content":"hi"}]}""");

        using var client = app.Client();
        using var response = await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new ByteArrayContent(body));
        using var prompts = await client.PostAsync(new Uri("/api/prompts", UriKind.Relative), new ByteArrayContent(body));
        using var model = await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new ByteArrayContent(surrogateModel));

        foreach (var (answer, expected) in new[] { (response, param), (prompts, param), (model, "model") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal(expected, (await JsonAsync(answer)).GetProperty("error").GetProperty("param").GetString());
        }
    }

    private static string Cloudflare(params (string Name, string Api, string Fields)[] providers) =>
        $$"""{ "seed": 1, "providers": [ {{string.Join(",", providers.Select(p => $$"""{ "name": "{{p.Name}}", "api": "{{p.Api}}", "latencyMs": { "fixed": 1 } {{(p.Fields.Length > 0 ? "," : "")}} {{p.Fields}} }"""))}} ] }""";

    private static OpenAIClientOptions Options(ChatApp app) => new()
    {
        Endpoint = new Uri(app.Factory.Server.BaseAddress, "v1"),
        Transport = new HttpClientPipelineTransport(app.Client()),
    };

    private static ChatClient Chat(ChatApp app, string model) => new(model, new ApiKeyCredential("unused"), Options(app));

    private static async Task<HttpResponseMessage> PostAsync(ChatApp app, string body)
    {
        using var client = app.Client();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
