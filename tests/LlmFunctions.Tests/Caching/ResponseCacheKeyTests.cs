using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmFunctions.Caching;
using LlmFunctions.Providers;

namespace LlmFunctions.Tests.Caching;

public sealed class ResponseCacheKeyTests
{
    private static readonly ChatMessage[] Conversation =
    [
        Message("""{"role":"system","content":"Be brief."}"""),
        Message("""{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"https://example.org/a.png","detail":"low"}}]}"""),
    ];

    private static ChatMessage Message(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement.Clone();
        return new ChatMessage(root.GetProperty("role").GetString()!, root.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : string.Empty) { Json = root };
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string Key(IReadOnlyList<ChatMessage>? messages = null, string? parameters = null, string scope = "route:recipes") =>
        ResponseCacheKey.Compute(scope, messages ?? Conversation, parameters is null ? null : Json(parameters));

    [Fact]
    public void Compute_AnyRequest_Is64LowercaseHexDigitsOfTheCanonicalDocument()
    {
        var key = Key(parameters: """{"temperature":0.2}""");

        Assert.Matches("^[0-9a-f]{64}$", key);
        var document = ResponseCacheKey.CanonicalDocument("route:recipes", Conversation, Json("""{"temperature":0.2}"""));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(document)), key);
    }

    [Fact]
    public void CanonicalDocument_SimpleRequest_IsVersionedSortedAndHoldsScopeMessagesAndParameters()
    {
        var document = ResponseCacheKey.CanonicalDocument(
            "gpt",
            [Message("""{"role":"user","name":"ann","content":"Hi"}""")],
            Json("""{"top_p":1,"seed":7,"stream":true}"""));

        Assert.Equal("v1\n[\"gpt\",[[\"user\",{\"content\":\"Hi\",\"name\":\"ann\",\"role\":\"user\"}]],{\"seed\":7,\"top_p\":1}]", Encoding.UTF8.GetString(document));
    }

    [Fact]
    public void Compute_PropertiesInAnotherOrderAtAnyDepth_SameKey()
    {
        var reordered = new[]
        {
            Message("""{"content":"Be brief.","role":"system"}"""),
            Message("""{"content":[{"text":"Hi","type":"text"},{"image_url":{"detail":"low","url":"https://example.org/a.png"},"type":"image_url"}],"role":"user"}"""),
        };

        Assert.Equal(
            Key(parameters: """{"temperature":0.2,"response_format":{"type":"json_schema","json_schema":{"name":"r","strict":true}}}"""),
            Key(reordered, """{"response_format":{"json_schema":{"strict":true,"name":"r"},"type":"json_schema"},"temperature":0.2}"""));
    }

    [Fact]
    public void Compute_FieldsThatDoNotChangeTheAnswer_SameKeyAsWithout()
    {
        var without = Key(parameters: """{"temperature":0.2}""");

        var with = Key(parameters: """
            {"temperature":0.2,"stream":true,"stream_options":{"include_usage":true},"user":"u-42","metadata":{"run":"7"},
             "store":false,"service_tier":"flex","llmfunctions":{"strategy":"cache"},"llmfunctions_route":"recipes"}
            """);

        Assert.Equal(without, with);
    }

    [Fact]
    public void Compute_NoParametersNullOrEmptyObject_SameKey()
    {
        Assert.Equal(Key(), Key(parameters: "{}"));
        Assert.Equal(Key(), Key(parameters: "null"));
        Assert.Equal(Key(), Key(parameters: """{"stream":false}"""));
    }

    [Fact]
    public void Compute_MessageWithoutJson_SameKeyAsTheObjectACallerWouldSend()
    {
        Assert.Equal(
            Key([new ChatMessage("user", "Hi")]),
            Key([Message("""{"content":"Hi","role":"user"}""")]));
    }

    [Fact]
    public void Compute_SameStringWrittenWithEscapes_SameKey()
    {
        Assert.Equal(
            Key([Message("""{"role":"user","content":"Caf\u00e9 A"}""")]),
            Key([Message("""{"role":"user","content":"Café \u0041"}""")]));
    }

    [Theory]
    [InlineData("scope")]
    [InlineData("message text")]
    [InlineData("message role")]
    [InlineData("message order")]
    [InlineData("a message more")]
    [InlineData("temperature")]
    [InlineData("a nested parameter")]
    [InlineData("a parameter added")]
    [InlineData("array order in a parameter")]
    [InlineData("a message field")]
    [InlineData("an unknown field")]
    public void Compute_AnswerChangingDifference_DifferentKey(string difference)
    {
        const string Parameters = """{"temperature":0.2,"stop":["a","b"],"response_format":{"type":"json_object"}}""";
        var baseline = Key(parameters: Parameters);

        var other = difference switch
        {
            "scope" => Key(parameters: Parameters, scope: "route:poems"),
            "message text" => Key([Conversation[0], Message("""{"role":"user","content":"Hello"}""")], Parameters),
            "message role" => Key([Message("""{"role":"developer","content":"Be brief."}"""), Conversation[1]], Parameters),
            "message order" => Key([Conversation[1], Conversation[0]], Parameters),
            "a message more" => Key([.. Conversation, Message("""{"role":"assistant","content":"Hi!"}""")], Parameters),
            "temperature" => Key(parameters: """{"temperature":0.3,"stop":["a","b"],"response_format":{"type":"json_object"}}"""),
            "a nested parameter" => Key(parameters: """{"temperature":0.2,"stop":["a","b"],"response_format":{"type":"text"}}"""),
            "a parameter added" => Key(parameters: """{"temperature":0.2,"stop":["a","b"],"response_format":{"type":"json_object"},"seed":1}"""),
            "array order in a parameter" => Key(parameters: """{"temperature":0.2,"stop":["b","a"],"response_format":{"type":"json_object"}}"""),
            "a message field" => Key([Conversation[0], Message("""{"role":"user","name":"ann","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"https://example.org/a.png","detail":"low"}}]}""")], Parameters),
            "an unknown field" => Key(parameters: """{"temperature":0.2,"stop":["a","b"],"response_format":{"type":"json_object"},"reasoning_effort":"low"}"""),
            _ => throw new ArgumentOutOfRangeException(nameof(difference), difference, "unknown difference"),
        };

        Assert.NotEqual(baseline, other);
    }
}
