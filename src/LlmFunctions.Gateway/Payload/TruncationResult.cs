using LlmFunctions.Providers;

namespace LlmFunctions.Payload;

/// <summary>The result of fitting a prompt into a budget.</summary>
/// <param name="Fits">Whether <see cref="Messages"/> fits the budget.</param>
/// <param name="Messages">The messages to send: the originals, or a copy with the last user message trimmed.</param>
/// <param name="Truncated">Whether any content was cut.</param>
/// <param name="OriginalChars">The prompt size before truncation.</param>
/// <param name="NewChars">The prompt size of <see cref="Messages"/>.</param>
/// <param name="FailureReason">Why the prompt cannot fit, when it cannot.</param>
public sealed record TruncationResult(
    bool Fits,
    IReadOnlyList<ChatMessage> Messages,
    bool Truncated,
    int OriginalChars,
    int NewChars,
    string? FailureReason = null);
