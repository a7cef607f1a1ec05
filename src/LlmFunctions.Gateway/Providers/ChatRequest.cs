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
    /// <summary>Gets a value indicating whether the provider is asked to answer with server-sent events.</summary>
    public bool Stream { get; init; }

    /// <summary>Gets a value indicating whether a streamed answer is asked to end with a usage event
    /// (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>Gets the prompt size in characters: the sum of every message's content length.</summary>
    public int PromptChars => Messages.Sum(m => m.Content.Length);
}
