namespace LlmFunctions.Providers;

/// <summary>
/// Token counts for a provider that reports none (Cloudflare Workers AI often does not): about four characters per
/// token, the rule of thumb for English text with OpenAI-style tokenizers. Marked as estimated wherever it is shown.
/// </summary>
public static class UsageEstimate
{
    /// <summary>Characters per token assumed.</summary>
    public const int CharsPerToken = 4;

    /// <summary>Estimates the tokens of <paramref name="chars"/> characters of text (at least 1 for any text).</summary>
    /// <param name="chars">The character count.</param>
    /// <returns>The estimated tokens.</returns>
    public static int Tokens(long chars) => chars <= 0 ? 0 : (int)Math.Min(int.MaxValue, (chars + CharsPerToken - 1) / CharsPerToken);
}
