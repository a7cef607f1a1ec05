using System.Text.Json;

namespace LlmFunctions.Providers;

/// <summary>What is sent to one provider in one attempt.</summary>
/// <param name="Messages">The conversation, possibly truncated to the provider's payload budget.</param>
/// <param name="Model">The provider's model id.</param>
/// <param name="Parameters">Every other field of the caller's body (a JSON object: tools, tool_choice,
/// response_format, n, stop, seed, temperature, max_tokens, and fields the gateway does not know), relayed unchanged to
/// OpenAI-compatible providers and translated for the others; null for none. It never holds <c>model</c>,
/// <c>messages</c>, <c>stream</c> or the gateway's own extension fields.</param>
public sealed record ChatRequest(
    IReadOnlyList<ChatMessage> Messages,
    string Model,
    JsonElement? Parameters = null)
{
    /// <summary>Gets a value indicating whether the provider is asked to stream its answer (<c>stream: true</c>;
    /// <c>stream_options</c> is relayed only then).</summary>
    public bool Stream { get; init; }

    /// <summary>Gets the prompt size in characters: the sum of every message's text length.</summary>
    public int PromptChars => Messages.Sum(m => m.Content.Length);
}
