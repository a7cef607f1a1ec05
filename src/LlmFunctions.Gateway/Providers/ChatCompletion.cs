using System.Text.Json;

namespace LlmFunctions.Providers;

/// <summary>A successful completion parsed from a provider's response.</summary>
/// <param name="Content">The first choice's text (empty when it only calls tools).</param>
/// <param name="Model">The model that answered, as the provider reported it (or the requested one).</param>
/// <param name="FinishReason">The first choice's finish reason, when given.</param>
/// <param name="PromptTokens">Prompt tokens used, when reported (or estimated: <see cref="UsageEstimated"/>).</param>
/// <param name="CompletionTokens">Completion tokens used, when reported (or estimated).</param>
public sealed record ChatCompletion(
    string Content,
    string Model,
    string? FinishReason = null,
    int? PromptTokens = null,
    int? CompletionTokens = null)
{
    /// <summary>Gets the whole response in OpenAI's <c>chat.completion</c> shape: the provider's own body for an
    /// OpenAI-compatible provider (every choice, tool calls, logprobs, usage and unknown fields), a translation for the
    /// others; its <c>usage</c> is the estimate when <see cref="UsageEstimated"/>. Null for a completion built by hand.</summary>
    public JsonElement? Body { get; init; }

    /// <summary>Gets a value indicating whether the provider reported no usage and the token counts are estimated
    /// (see <see cref="UsageEstimate"/>).</summary>
    public bool UsageEstimated { get; init; }
}
