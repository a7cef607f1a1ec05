using System.Text;
using System.Text.Json;
using LlmFunctions.Classification;
using LlmFunctions.Streaming;

namespace LlmFunctions.Tests.Streaming;

/// <summary>The pure parts of stream reading: server-sent event framing, what counts as a first token, and how a
/// provider's error event is classified.</summary>
public sealed class StreamEventTests
{
    [Fact]
    public async Task SseReader_JoinsDataLines_SkipsCommentsAndIds_KeepsTheEventType()
    {
        const string Body = ": keep-alive\n\ndata: {\"a\":1}\n\nid: 7\nevent: error\ndata: line one\ndata: line two\n\ndata:[DONE]";
        using var body = new MemoryStream(Encoding.UTF8.GetBytes(Body));
        using var reader = new SseEventReader(body);

        var first = await reader.ReadAsync(CancellationToken.None);
        var second = await reader.ReadAsync(CancellationToken.None);
        var third = await reader.ReadAsync(CancellationToken.None);
        var end = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(new SseEvent(null, """{"a":1}"""), first);
        Assert.Equal(new SseEvent("error", "line one\nline two"), second);
        Assert.Equal(new SseEvent(null, "[DONE]"), third);
        Assert.Null(end);
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}""", false, 0)]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"Hi"}}]}""", true, 2)]
    [InlineData("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":""}}]}}]}""", true, 0)]
    [InlineData("""{"choices":[{"index":0,"delta":{"reasoning_content":"thinking"}}]}""", true, 0)]
    [InlineData("""{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""", false, 0)]
    [InlineData("""{"choices":[],"usage":{"total_tokens":3}}""", false, 0)]
    public void OpenAiDialect_FirstTokenIsAnyDeltaBeyondTheRole(string data, bool hasToken, int contentChars)
    {
        var output = new List<StreamChunk>();

        var done = new OpenAiStreamDialect().Read(new SseEvent(null, data), output);

        Assert.False(done);
        var chunk = Assert.Single(output);
        Assert.Equal(data, chunk.Data);
        Assert.Equal(hasToken, chunk.HasToken);
        Assert.Equal(contentChars, chunk.ContentChars);
    }

    [Theory]
    [InlineData("""{"error":{"message":"Rate limit reached","code":429}}""", ErrorClass.RateLimited, 429)]
    [InlineData("""{"error":{"message":"overloaded","code":"503"}}""", ErrorClass.Transient, 503)]
    [InlineData("""{"error":{"message":"something broke"}}""", ErrorClass.Transient, null)]
    public void ErrorEvent_IsClassifiedByTheStatusItNames(string data, ErrorClass expected, int? status)
    {
        var error = Assert.Throws<StreamFailureException>(() => new OpenAiStreamDialect().Read(new SseEvent(null, data), []));

        var outcome = new ErrorClassifier(TimeProvider.System).Classify(error, cancelledByCaller: false);

        Assert.Equal(StreamFailure.ErrorEvent, error.Failure);
        Assert.Equal(expected, outcome.Class);
        Assert.Equal(status, outcome.HttpStatus);
        Assert.StartsWith("error event in the stream: ", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenAiDialect_NotJson_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => new OpenAiStreamDialect().Read(new SseEvent(null, "{\"choices\":[{\"delta\":{\"content\":"), []));
    }

    [Fact]
    public void CloudflareDialect_TranslatesTextAndUsage_AndEndsWithStopAndUsageChunks()
    {
        var dialect = new CloudflareStreamDialect("@cf/m", 1700000000, includeUsage: true);
        var output = new List<StreamChunk>();

        dialect.Read(new SseEvent(null, """{"response":"Hel","p":"x"}"""), output);
        dialect.Read(new SseEvent(null, """{"response":"lo"}"""), output);
        dialect.Read(new SseEvent(null, """{"response":"","usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}"""), output);
        var done = dialect.Read(new SseEvent(null, "[DONE]"), output);

        Assert.True(done);
        Assert.Equal(4, output.Count);
        var first = JsonDocument.Parse(output[0].Data).RootElement;
        Assert.Equal("assistant", first.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("Hel", first.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal("@cf/m", first.GetProperty("model").GetString());
        Assert.False(JsonDocument.Parse(output[1].Data).RootElement.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("role", out _));
        Assert.Equal("stop", JsonDocument.Parse(output[2].Data).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(output[3].HasUsage);
        Assert.Equal(3, JsonDocument.Parse(output[3].Data).RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal([true, true, false, false], output.Select(c => c.HasToken));
    }
}
