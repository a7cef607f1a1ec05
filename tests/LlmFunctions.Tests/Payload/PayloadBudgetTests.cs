using LlmFunctions.Payload;
using LlmFunctions.Providers;

namespace LlmFunctions.Tests.Payload;

public class PayloadBudgetTests
{
    [Theory]
    [InlineData(0, "LlmFunctions:Providers:Groq:MaxPromptChars must be at least 1, was 0")]
    [InlineData(-5, "LlmFunctions:Providers:Groq:MaxPromptChars must be at least 1, was -5")]
    [InlineData(1, null)]
    [InlineData(6_000, null)]
    public void Validate_Budget_ReturnsErrorNamingSettingOrNull(int budget, string? expected)
    {
        Assert.Equal(expected, PayloadBudget.Validate(budget, "LlmFunctions:Providers:Groq:MaxPromptChars"));
    }

    [Fact]
    public void PromptChars_SeveralMessages_SumsContentLengths()
    {
        ChatMessage[] messages = [new("system", "abc"), new("user", "defgh"), new("assistant", "")];

        Assert.Equal(8, PayloadBudget.PromptChars(messages));
        Assert.Equal(new ChatRequest(messages, "m").PromptChars, PayloadBudget.PromptChars(messages));
    }
}
