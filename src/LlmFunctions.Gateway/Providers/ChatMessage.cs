namespace LlmFunctions.Providers;

/// <summary>One chat message, as in the OpenAI chat completions API.</summary>
/// <param name="Role">The author's role: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The message text.</param>
public sealed record ChatMessage(string Role, string Content);
