using System.Net.Http.Json;
using System.Text.Json;
using LlmFunctions.Simulator;
using static LlmFunctions.Tests.Simulator.SimulatorTestHost;

namespace LlmFunctions.Tests.Simulator;

public sealed class SimulatorStreamTests
{
    [Fact]
    public async Task OpenAiStream_SendsRoleDeltasFinishUsageAndDone()
    {
        await using var server = await StartAsync(OneProvider("""
            "stream": { "chunks": 4, "chunkLatencyMs": { "fixed": 1 } }
            """));
        using var client = Client(server);

        var events = await ReadEventsAsync(client, new Uri(server.OpenAiBaseUrl("Prov") + "/chat/completions"), OpenAiBody(includeUsage: true));

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var deltas = chunks.Skip(1).Take(4).Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()).ToList();
        Assert.Equal(4, deltas.Count);
        Assert.Equal("[Prov/m1] echo: hello", string.Concat(deltas));
        Assert.Equal("stop", chunks[5].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, chunks[6].GetProperty("choices").GetArrayLength());
        Assert.True(chunks[6].GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.Ok));
    }

    [Fact]
    public async Task OpenAiStream_WithoutIncludeUsage_SendsNoUsageChunk()
    {
        await using var server = await StartAsync(OneProvider(string.Empty));
        using var client = Client(server);

        var events = await ReadEventsAsync(client, new Uri(server.OpenAiBaseUrl("Prov") + "/chat/completions"), OpenAiBody(includeUsage: false));

        Assert.DoesNotContain(events, e => e.Contains("\"usage\"", StringComparison.Ordinal));
        Assert.Equal(1 + 5 + 1 + 1, events.Count);
    }

    [Fact]
    public async Task CloudflareStream_SendsResponseEventsUsageAndDone()
    {
        await using var server = await StartAsync(OneProvider("\"stream\": { \"chunks\": 3 }", api: "cloudflare"));
        using var client = Client(server);

        var events = await ReadEventsAsync(
            client,
            new Uri(server.CloudflareBaseUrl("Prov") + "/accounts/acc1/ai/run/@cf/meta/llama-3.1-8b-instruct"),
            new { stream = true, messages = new[] { new { role = "user", content = "hi" } } });

        Assert.Equal("[DONE]", events[^1]);
        var parsed = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal(4, parsed.Count);
        Assert.Equal("[Prov/@cf/meta/llama-3.1-8b-instruct] echo: hi", string.Concat(parsed.Take(3).Select(p => p.GetProperty("response").GetString())));
        Assert.True(parsed[3].GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task CutAfterChunks_AbortsTheConnectionAfterThatManyDeltas()
    {
        await using var server = await StartAsync(OneProvider("\"stream\": { \"chunks\": 6, \"cutAfterChunks\": 3 }"));
        using var client = Client(server);
        var received = new List<string>();

        await Assert.ThrowsAnyAsync<IOException>(() => ReadEventsAsync(client, new Uri(server.OpenAiBaseUrl("Prov") + "/chat/completions"), OpenAiBody(false), received));

        Assert.Equal(1 + 3, received.Count);
        Assert.DoesNotContain("[DONE]", received);
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.StreamCut));
    }

    [Fact]
    public async Task MalformedChunkAt_SendsInvalidJsonForThatDelta_ThenFinishes()
    {
        await using var server = await StartAsync(OneProvider("\"stream\": { \"chunks\": 3, \"malformedChunkAt\": 2 }"));
        using var client = Client(server);

        var events = await ReadEventsAsync(client, new Uri(server.OpenAiBaseUrl("Prov") + "/chat/completions"), OpenAiBody(false));

        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(events[2]));
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(1, server.Stats.For("Prov").Count(SimulatorOutcomes.MalformedChunk));
    }

    [Fact]
    public async Task ErrorStatusBeforeTheStream_IsAnsweredAsPlainJson()
    {
        await using var server = await StartAsync(OneProvider("\"status\": 503"));
        using var client = Client(server);

        using var response = await client.PostAsJsonAsync(new Uri(server.OpenAiBaseUrl("Prov") + "/chat/completions"), OpenAiBody(false));

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ClientLeavingMidStream_IsCountedAsStreamCancelled()
    {
        await using var server = await StartAsync(OneProvider("\"stream\": { \"chunks\": 100, \"chunkLatencyMs\": { \"fixed\": 50 } }"));
        // A client that closes the connection when it stops reading, instead of draining the rest of the stream.
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "test-key");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.OpenAiBaseUrl("Prov") + "/chat/completions"))
        {
            Content = JsonContent.Create(OpenAiBody(false)),
        };

        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        }

        await WaitUntilAsync(() => server.Stats.For("Prov").Count(SimulatorOutcomes.StreamCancelled) == 1, "the simulator to see the client leave");
    }

    [Theory]
    [InlineData("\"stream\": { \"chunks\": -1 }", "providers[0].stream.chunks")]
    [InlineData("\"stream\": { \"cutAfterChunks\": -2 }", "providers[0].stream.cutAfterChunks")]
    [InlineData("\"stream\": { \"malformedChunkAt\": 0 }", "providers[0].stream.malformedChunkAt")]
    [InlineData("\"stream\": { \"firstTokenMs\": { \"p95\": 3 } }", "providers[0].stream.firstTokenMs")]
    [InlineData("\"stream\": { \"chunkz\": 3 }", "providers[0].stream.chunkz")]
    public void StreamSettings_Invalid_AreRejectedNamingTheField(string fields, string path)
    {
        var error = Assert.Throws<SimulatorScenarioException>(() => SimulatorScenario.Parse(OneProvider(fields)));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    private static object OpenAiBody(bool includeUsage) => new
    {
        model = "m1",
        stream = true,
        stream_options = new { include_usage = includeUsage },
        messages = new[] { new { role = "user", content = "hello" } },
    };

    private static async Task<List<string>> ReadEventsAsync(HttpClient client, Uri uri, object body, List<string>? into = null)
    {
        var events = into ?? [];
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line[6..]);
            }
        }

        return events;
    }
}
