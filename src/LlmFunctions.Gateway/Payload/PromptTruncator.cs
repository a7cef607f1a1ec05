using System.Globalization;
using LlmFunctions.Providers;

namespace LlmFunctions.Payload;

/// <summary>
/// Trims a prompt to a character budget by cutting the end of the last user message only. System messages and the
/// rest of the conversation are never touched: they carry the instructions, the last user message carries the bulk.
/// </summary>
public static class PromptTruncator
{
    /// <summary>The share of the allowed length, at its end, searched for a sentence or word boundary.</summary>
    public const double BoundaryWindow = 0.2;

    /// <summary>
    /// Fits <paramref name="messages"/> into <paramref name="maxChars"/>. The last user message is cut at a sentence
    /// boundary (". ", "! ", "? " or a newline) within the last 20% of its allowed length, else at whitespace in that
    /// window, else exactly at the allowed length.
    /// </summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="maxChars">The budget in characters.</param>
    /// <returns>The fitted prompt, or a result with <see cref="TruncationResult.Fits"/> false and the reason.</returns>
    public static TruncationResult Truncate(IReadOnlyList<ChatMessage> messages, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var original = PayloadBudget.PromptChars(messages);
        if (original <= maxChars)
        {
            return new(true, messages, false, original, original);
        }

        var index = LastUserIndex(messages);
        if (index < 0)
        {
            return Fail(messages, original, "there is no user message to truncate");
        }

        var content = messages[index].Content;
        var others = original - content.Length;
        var allowed = maxChars - others;
        if (allowed < 1)
        {
            var systemChars = messages.Where(IsSystem).Sum(m => m.Content.Length);
            var what = systemChars > maxChars ? "system messages alone are" : "the messages other than the last user message are";
            return Fail(
                messages,
                original,
                string.Create(CultureInfo.InvariantCulture, $"{what} {PayloadBudget.Format(systemChars > maxChars ? systemChars : others)} characters; truncation cannot fit the budget of {PayloadBudget.Format(maxChars)}"));
        }

        var cut = Cut(content, allowed);
        var copy = messages.ToArray();
        copy[index] = messages[index].WithText(cut);
        return new(true, copy, true, original, others + cut.Length);
    }

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="allowed"/> characters at the best boundary.</summary>
    /// <param name="text">The text, longer than <paramref name="allowed"/>.</param>
    /// <param name="allowed">The maximum length, at least 1.</param>
    /// <returns>The cut text.</returns>
    internal static string Cut(string text, int allowed)
    {
        var minKeep = Math.Max(1, allowed - (int)(allowed * BoundaryWindow));

        // Cut lengths from the longest down: a sentence ends at [c-1] when a space follows it, or a newline starts at [c].
        for (var c = allowed; c >= minKeep; c--)
        {
            if (text[c] == '\n' || (text[c] == ' ' && text[c - 1] is '.' or '!' or '?'))
            {
                return text[..c].TrimEnd();
            }
        }

        for (var c = allowed; c >= minKeep; c--)
        {
            if (char.IsWhiteSpace(text[c]))
            {
                var kept = text[..c].TrimEnd();
                if (kept.Length > 0)
                {
                    return kept;
                }
            }
        }

        // Never leave half of a surrogate pair at the end.
        var hard = char.IsHighSurrogate(text[allowed - 1]) && allowed > 1 ? allowed - 1 : allowed;
        return text[..hard];
    }

    private static int LastUserIndex(IReadOnlyList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (string.Equals(messages[i].Role, "user", StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsSystem(ChatMessage message) =>
        string.Equals(message.Role, "system", StringComparison.OrdinalIgnoreCase);

    private static TruncationResult Fail(IReadOnlyList<ChatMessage> messages, int original, string reason) =>
        new(false, messages, false, original, original, reason);
}
