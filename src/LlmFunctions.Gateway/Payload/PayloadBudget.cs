using System.Globalization;
using LlmFunctions.Providers;

namespace LlmFunctions.Payload;

/// <summary>
/// The per-provider prompt budget in characters. Providers in incident 003 refused every prompt of 7,000 characters or
/// more with HTTP 422, so the default stays safely below that.
/// </summary>
public static class PayloadBudget
{
    /// <summary>The default budget: 6,000 characters.</summary>
    public const int DefaultMaxPromptChars = 6_000;

    /// <summary>Computes a prompt's size: the sum of every message's content length.</summary>
    /// <param name="messages">The conversation.</param>
    /// <returns>The size in characters.</returns>
    public static int PromptChars(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var total = 0;
        foreach (var message in messages)
        {
            total += message.Content.Length;
        }

        return total;
    }

    /// <summary>Checks a configured budget.</summary>
    /// <param name="maxPromptChars">The configured budget.</param>
    /// <param name="settingName">The setting's full name, e.g. <c>LlmFunctions:Providers:Groq:MaxPromptChars</c>.</param>
    /// <returns>An error naming the setting, or null when the budget is valid.</returns>
    public static string? Validate(int maxPromptChars, string settingName) =>
        maxPromptChars >= 1
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{settingName} must be at least 1, was {maxPromptChars}");

    /// <summary>Formats a character count the way messages show it: <c>7,283</c>.</summary>
    /// <param name="chars">The count.</param>
    /// <returns>The formatted count.</returns>
    public static string Format(int chars) => chars.ToString("N0", CultureInfo.InvariantCulture);
}
