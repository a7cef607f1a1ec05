using System.Net;
using LlmFunctions.Simulator;
using static LlmFunctions.Tests.Simulator.SimulatorTestHost;

namespace LlmFunctions.Tests.Simulator;

public sealed class SimulatorSuccessTests
{
    private const string Fleet = """
        { "providers": [
            { "name": "Groq", "api": "openai", "latencyMs": { "fixed": 0 } },
            { "name": "Cloudflare", "api": "cloudflare" },
            { "name": "Keyed", "api": "openai", "apiKey": "expected-secret" } ] }
        """;

    [Fact]
    public async Task ChatCompletions_HealthyOpenAiProvider_AnswersOpenAiShape()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);

        using var response = await PostOpenAiAsync(client, server, "Groq", "What is the capital of France, in one word please?");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal("m1", body.GetProperty("model").GetString());
        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("[Groq/m1] echo: What is the capital of France, in one wo", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = body.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 0);
        Assert.Equal(
            usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(1, server.Stats.For("Groq").Count(SimulatorOutcomes.Ok));
    }

    [Fact]
    public async Task Run_HealthyCloudflareProvider_AnswersCloudflareShape()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);

        using var response = await PostCloudflareAsync(client, server, "Cloudflare", "hi");
        var body = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal("[Cloudflare/@cf/meta/llama-3.1-8b-instruct] echo: hi", body.GetProperty("result").GetProperty("response").GetString());
        Assert.Equal(0, body.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task ChatCompletions_MissingBearer_Answers401AndCounts()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server, key: null);

        using var response = await PostOpenAiAsync(client, server, "Groq");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, server.Stats.For("Groq").Count(SimulatorOutcomes.Unauthorized));
    }

    [Fact]
    public async Task ChatCompletions_WrongDeclaredApiKey_Answers401WithoutEchoingKey()
    {
        await using var server = await StartAsync(Fleet);
        using var wrong = Client(server, key: "wrong-secret");
        using var right = Client(server, key: "expected-secret");

        using var rejected = await PostOpenAiAsync(wrong, server, "Keyed");
        using var accepted = await PostOpenAiAsync(right, server, "Keyed");

        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.DoesNotContain("secret", await rejected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task ChatCompletions_UnknownProvider_Answers404NamingIt()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);

        using var response = await PostOpenAiAsync(client, server, "Nowhere");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Nowhere", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, server.Stats.For("Nowhere").Count(SimulatorOutcomes.UnknownProvider));
    }

    [Fact]
    public async Task ChatCompletions_CloudflareProviderOnOpenAiRoute_Answers404()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);

        using var response = await PostOpenAiAsync(client, server, "Cloudflare");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, server.Stats.For("Cloudflare").Count(SimulatorOutcomes.UnknownProvider));
    }

    [Fact]
    public async Task StartAsync_DefaultOptions_BindsLoopbackOnChosenPort()
    {
        await using var server = await StartAsync(Fleet);

        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.Equal(new Uri(server.BaseAddress, "Groq/v1"), server.OpenAiBaseUrl("Groq"));
        Assert.Equal(new Uri(server.BaseAddress, "Cloudflare/client/v4"), server.CloudflareBaseUrl("Cloudflare"));
    }
}
