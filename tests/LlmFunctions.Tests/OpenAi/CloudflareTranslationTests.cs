using System.Text;
using System.Text.Json;
using LlmFunctions.Payload;
using LlmFunctions.Providers;

namespace LlmFunctions.Tests.OpenAi;

public sealed class CloudflareTranslationTests
{
    [Theory]
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f"}}]}""", "tools")]
    [InlineData("""{"tool_choice":"required"}""", "tool_choice")]
    [InlineData("""{"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}""", "response_format")]
    [InlineData("""{"n":2}""", "n")]
    [InlineData("""{"stop":"END"}""", "stop")]
    [InlineData("""{"logit_bias":{"1":5}}""", "logit_bias")]
    [InlineData("""{"logprobs":true}""", "logprobs")]
    public void CannotHonour_AFieldThatChangesTheAnswer_NamesIt(string parameters, string field)
    {
        var problem = CloudflareTranslation.CannotHonour([new ChatMessage("user", "hi")], Json(parameters));

        Assert.Equal(field, problem?.Field);
    }

    [Theory]
    [InlineData("""{"tools":[],"tool_choice":"auto","response_format":{"type":"text"},"n":1,"stop":null,"logit_bias":{},"logprobs":false,"user":"u","metadata":{"a":"b"},"x_unknown":1}""")]
    [InlineData("""{}""")]
    public void CannotHonour_FieldsWithoutBearingOnTheAnswer_AreFine(string parameters) =>
        Assert.Null(CloudflareTranslation.CannotHonour([new ChatMessage("user", "hi")], Json(parameters)));

    [Theory]
    [InlineData("""{"role":"tool","tool_call_id":"c","content":"x"}""", "messages[0].role")]
    [InlineData("""{"role":"assistant","content":null,"tool_calls":[{"id":"c"}]}""", "messages[0].tool_calls")]
    [InlineData("""{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x"}}]}""", "messages[0].content[1]")]
    public void CannotHonour_AMessageItCannotTake_NamesIt(string message, string field)
    {
        var json = Json(message);
        var problem = CloudflareTranslation.CannotHonour([new ChatMessage(json.GetProperty("role").GetString()!, string.Empty) { Json = json }], null);

        Assert.Equal(field, problem?.Field);
    }

    [Fact]
    public void Write_TakesTextMessagesAndTheFieldsItSupports_DeveloperAsSystem()
    {
        var request = new ChatRequest(
            [new ChatMessage("developer", "rules"), new ChatMessage("user", "hi")],
            "@cf/m",
            Json("""{"max_completion_tokens":9,"temperature":0.1,"top_p":0.5,"seed":4,"user":"u","x":1}"""));

        using var body = JsonDocument.Parse(CloudflareTranslation.Write(request));

        Assert.Equal(
            """{"messages":[{"role":"system","content":"rules"},{"role":"user","content":"hi"}],"max_tokens":9,"temperature":0.1,"top_p":0.5,"seed":4}""",
            body.RootElement.GetRawText());
    }

    [Fact]
    public void Truncation_OfAMessageWithImageParts_CutsTheTextAndKeepsTheOtherPartsAndFields()
    {
        var json = Json("""{"role":"user","name":"ann","content":[{"type":"text","text":"Sentence one. Sentence two is longer."},{"type":"image_url","image_url":{"url":"u"}}]}""");
        var message = new ChatMessage("user", "Sentence one. Sentence two is longer.") { Json = json };

        var result = PromptTruncator.Truncate([message], 16);

        var cut = Assert.Single(result.Messages);
        Assert.Equal("Sentence one.", cut.Content);
        Assert.Equal(
            """{"role":"user","name":"ann","content":[{"type":"text","text":"Sentence one."},{"type":"image_url","image_url":{"url":"u"}}]}""",
            Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(cut.Json)));
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
