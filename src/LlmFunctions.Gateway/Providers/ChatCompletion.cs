namespace LlmFunctions.Providers;

/// <summary>A successful completion parsed from a provider's response.</summary>
/// <param name="Content">The assistant's text.</param>
/// <param name="Model">The model that answered, as the provider reported it (or the requested one).</param>
/// <param name="FinishReason">The provider's finish reason, when given.</param>
/// <param name="PromptTokens">Prompt tokens used, when reported.</param>
/// <param name="CompletionTokens">Completion tokens used, when reported.</param>
public sealed record ChatCompletion(
    string Content,
    string Model,
    string? FinishReason = null,
    int? PromptTokens = null,
    int? CompletionTokens = null);
