using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFunctions.Providers;

namespace LlmFunctions.Routes;

/// <summary>A route's simplified prompt: a shorter system prompt, older turns dropped, a cap on the answer's tokens.
/// Pure.</summary>
/// <param name="SystemPrompt">Replaces every system and developer message, or null to keep them.</param>
/// <param name="KeepLastMessages">How many of the last other messages are kept, or null for all.</param>
/// <param name="MaxTokens">The cap on <c>max_tokens</c> and <c>max_completion_tokens</c>, or null for none.</param>
public sealed record PromptRewrite(string? SystemPrompt, int? KeepLastMessages, int? MaxTokens)
{
    /// <summary>Rewrites a request's messages and parameters.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="parameters">The other body fields (a JSON object), or null.</param>
    /// <returns>The rewritten conversation and parameters.</returns>
    public (IReadOnlyList<ChatMessage> Messages, JsonElement? Parameters) Apply(IReadOnlyList<ChatMessage> messages, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var instructions = messages.Where(IsInstruction).ToList();
        var turns = messages.Where(m => !IsInstruction(m)).ToList();
        if (KeepLastMessages is { } keep && turns.Count > keep)
        {
            var from = turns.Count - keep;

            // A tool result without the assistant message that called it is refused by providers: keep the call too.
            while (from > 0 && turns[from].Role == "tool")
            {
                from--;
            }

            turns = turns[from..];
        }

        if (SystemPrompt is { } system)
        {
            instructions = [new ChatMessage("system", system)];
        }

        return ([.. instructions, .. turns], Cap(parameters));
    }

    private static bool IsInstruction(ChatMessage message) => message.Role is "system" or "developer";

    private JsonElement? Cap(JsonElement? parameters)
    {
        if (MaxTokens is not { } cap)
        {
            return parameters;
        }

        var body = parameters is { ValueKind: JsonValueKind.Object } p ? JsonNode.Parse(p.GetRawText())!.AsObject() : [];
        var capped = false;
        foreach (var field in new[] { "max_tokens", "max_completion_tokens" })
        {
            if (body[field] is JsonValue value && value.TryGetValue<long>(out var asked))
            {
                body[field] = Math.Min(asked, cap);
                capped = true;
            }
        }

        if (!capped)
        {
            body["max_tokens"] = cap;
        }

        return JsonSerializer.SerializeToElement(body);
    }
}
