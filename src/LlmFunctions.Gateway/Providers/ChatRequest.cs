namespace LlmFunctions.Providers;

/// <summary>What is sent to one provider in one attempt.</summary>
/// <param name="Messages">The conversation, possibly truncated to the provider's payload budget.</param>
/// <param name="Model">The provider's model id.</param>
/// <param name="MaxTokens">Optional cap on generated tokens.</param>
/// <param name="Temperature">Optional sampling temperature.</param>
public sealed record ChatRequest(
    IReadOnlyList<ChatMessage> Messages,
    string Model,
    int? MaxTokens = null,
    double? Temperature = null)
{
    /// <summary>Gets the prompt size in characters: the sum of every message's content length.</summary>
    public int PromptChars => Messages.Sum(m => m.Content.Length);
}
