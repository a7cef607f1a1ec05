using System.Text.Json;
using LlmFunctions.Providers;
using LlmFunctions.Routes;

namespace LlmFunctions.Tests.Routes;

public sealed class PromptRewriteTests
{
    [Fact]
    public void Apply_KeepLastMessages_KeepsTheAssistantCallOfAToolResult()
    {
        var messages = new[]
        {
            new ChatMessage("system", "sys"),
            new ChatMessage("user", "q1"),
            new ChatMessage("assistant", string.Empty),
            new ChatMessage("tool", "42"),
        };

        var (rewritten, _) = new PromptRewrite(null, 1, null).Apply(messages, null);

        Assert.Equal(["system", "assistant", "tool"], rewritten.Select(m => m.Role));
    }

    [Fact]
    public void Apply_MaxTokens_CapsBothFieldsAndAddsOneWhenNoneWasSent()
    {
        var sent = JsonDocument.Parse("""{"max_tokens":10,"max_completion_tokens":900,"seed":7}""").RootElement;

        var (_, capped) = new PromptRewrite(null, null, 100).Apply([new ChatMessage("user", "q")], sent);
        var (_, added) = new PromptRewrite(null, null, 100).Apply([new ChatMessage("user", "q")], null);

        Assert.Equal("""{"max_tokens":10,"max_completion_tokens":100,"seed":7}""", capped!.Value.GetRawText());
        Assert.Equal("""{"max_tokens":100}""", added!.Value.GetRawText());
    }

    [Fact]
    public void Apply_SystemPrompt_ReplacesSystemAndDeveloperMessages()
    {
        var messages = new[] { new ChatMessage("system", "long"), new ChatMessage("developer", "longer"), new ChatMessage("user", "q") };

        var (rewritten, parameters) = new PromptRewrite("short", null, null).Apply(messages, null);

        Assert.Equal(["system:short", "user:q"], rewritten.Select(m => $"{m.Role}:{m.Content}"));
        Assert.Null(parameters);
    }
}
