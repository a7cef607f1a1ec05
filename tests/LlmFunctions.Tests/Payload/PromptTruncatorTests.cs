using LlmFunctions.Payload;
using LlmFunctions.Providers;

namespace LlmFunctions.Tests.Payload;

public class PromptTruncatorTests
{
    private static readonly ChatMessage System = new("system", "Be brief."); // 9 characters

    [Theory]
    [InlineData("The cache was cold! Every request went to the origin and timed out.", 22, "The cache was cold!")]
    [InlineData("The cache was cold? Every request went to the origin and timed out.", 20, "The cache was cold?")]
    [InlineData("The cache was cold. Every request went to the origin and timed out.", 21, "The cache was cold.")]
    [InlineData("Header line\nsecond line continues here", 13, "Header line")]
    public void Truncate_SentenceBoundaryInWindow_CutsAfterTheSentence(string content, int allowed, string expected)
    {
        var result = PromptTruncator.Truncate([System, new ChatMessage("user", content)], 9 + allowed);

        Assert.Equal(expected, result.Messages[1].Content);
        Assert.True(result.Fits);
        Assert.True(result.Truncated);
        Assert.Equal((9 + content.Length, 9 + expected.Length), (result.OriginalChars, result.NewChars));
    }

    [Theory]
    [InlineData("The cache was cold. Every request went to the origin and timed out.", 25, "The cache was cold. Every")]
    [InlineData("Short. The cache stayed cold for many hours today", 30, "Short. The cache stayed cold")]
    public void Truncate_NoSentenceBoundaryInWindow_CutsAtWordBoundary(string content, int allowed, string expected)
    {
        var result = PromptTruncator.Truncate([new ChatMessage("user", content)], allowed);

        Assert.Equal(expected, result.Messages[0].Content);
    }

    [Fact]
    public void Truncate_NoBoundaryAtAll_CutsHard()
    {
        var result = PromptTruncator.Truncate([new ChatMessage("user", "Supercalifragilisticexpialidocious")], 10);

        Assert.Equal("Supercalif", result.Messages[0].Content);
    }

    [Fact]
    public void Truncate_HardCutInsideSurrogatePair_KeepsThePairWhole()
    {
        var result = PromptTruncator.Truncate([new ChatMessage("user", "abcdefghi\U0001F600xyz")], 10);

        Assert.Equal("abcdefghi", result.Messages[0].Content);
    }

    [Fact]
    public void Truncate_OnlyLastUserMessage_IsTrimmed()
    {
        ChatMessage[] messages =
        [
            System,
            new("user", "First question."),
            new("assistant", "First answer."),
            new("user", "Second question is long. It goes on and on."),
        ];

        var result = PromptTruncator.Truncate(messages, 9 + 15 + 13 + 26);

        Assert.Equal(messages[..3], result.Messages.Take(3));
        Assert.Equal("Second question is long.", result.Messages[3].Content);
    }

    [Fact]
    public void Truncate_AlreadyFits_ReturnsTheSameMessages()
    {
        ChatMessage[] messages = [System, new("user", "Hello.")];

        var result = PromptTruncator.Truncate(messages, 15);

        Assert.Same(messages, result.Messages);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void Truncate_SystemMessagesAloneExceedBudget_FailsAndNeverTouchesThem()
    {
        ChatMessage[] messages = [new("system", new string('s', 120)), new("user", "Question?")];

        var result = PromptTruncator.Truncate(messages, 100);

        Assert.False(result.Fits);
        Assert.Same(messages, result.Messages);
        Assert.Equal("system messages alone are 120 characters; truncation cannot fit the budget of 100", result.FailureReason);
    }

    [Fact]
    public void Truncate_NoUserMessage_Fails()
    {
        var result = PromptTruncator.Truncate([new ChatMessage("system", new string('s', 50))], 10);

        Assert.Equal((false, "there is no user message to truncate"), (result.Fits, result.FailureReason));
    }
}
