extern alias FunctionApp;
extern alias StandaloneHost;
using System.Text.Json;
using FunctionApp::LlmFunctions.FunctionApp.Functions;
using FunctionApp::LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using StandaloneHost::LlmFunctions.StandaloneHost.Durable;

namespace LlmFunctions.Tests.OpenAi;

/// <summary>The request model travels through Durable history (inputs, activity results) whole.</summary>
public sealed class RequestModelSerializationTests
{
    private const string Body = """
        {"model":"Groq","messages":[
          {"role":"developer","content":"be brief"},
          {"role":"user","content":[{"type":"text","text":"what is in "},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"sunny"}],
         "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],
         "tool_choice":"auto","seed":7,"n":2,"x_unknown":{"a":[1,2]},"allow_truncation":true}
        """;

    [Fact]
    public void PromptInput_ThroughTheDurableConverter_KeepsEveryMessageAndField()
    {
        var (input, error) = ChatCompletionReader.Parse(System.Text.Encoding.UTF8.GetBytes(Body));
        Assert.Null(error);
        var request = new PromptRequest { Messages = input!.Messages, Parameters = input.Parameters, Deadline = DateTimeOffset.UnixEpoch };
        var converter = DurableFunctionServices.Converter;

        var back = converter.Deserialize<PromptInput>(converter.Serialize(new PromptInput(request, new FailoverOptions())))!;

        Assert.Equal(
            OpenAiBodyOf(new ChatRequest(request.Messages, "m", request.Parameters)),
            OpenAiBodyOf(new ChatRequest(back.Request.Messages, "m", back.Request.Parameters)));
        Assert.Equal(["developer", "user", "assistant", "tool"], back.Request.Messages.Select(m => m.Role));
        Assert.Equal("what is in ", back.Request.Messages[1].Content);
    }

    [Fact]
    public void AttemptReport_WithAPassedThroughCompletion_RoundTripsThroughTheDurableConverter()
    {
        using var document = JsonDocument.Parse("""{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[]}}],"usage":null}""");
        var completion = new ChatCompletion(string.Empty, "m", "tool_calls", 1, 2) { Body = document.RootElement.Clone(), UsageEstimated = true };
        var report = new AttemptReport(new ProviderKey("Groq", "m"), new AttemptOutcome { Class = ErrorClass.Success, Reason = "ok" }, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, completion, null);
        var converter = DurableFunctionServices.Converter;

        var back = converter.Deserialize<AttemptReport>(converter.Serialize(report))!;

        Assert.True(back.Completion!.UsageEstimated);
        Assert.Equal(completion.Body.Value.GetRawText(), back.Completion.Body!.Value.GetRawText());
    }

    private static string OpenAiBodyOf(ChatRequest request) =>
        System.Text.Encoding.UTF8.GetString(LlmFunctions.Providers.Wire.OpenAiRequestBody.Write(request));
}
