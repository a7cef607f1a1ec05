using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmFunctions.Security;

/// <summary>
/// Every form one secret can come back in from a provider or a library: raw; JSON-escaped (any character as
/// <c>\uXXXX</c>, <c>/</c> as <c>\/</c>); URL-encoded (any character as <c>%XX</c>, either case); any mix of those; and
/// base64 (standard or URL-safe) of the secret alone or embedded in a longer text such as <c>Bearer &lt;key&gt;</c>, at
/// each of the three byte alignments.
/// </summary>
internal sealed class SecretForms
{
    // Matching time is bounded by the window the adapters redact (8 KiB); this is the backstop.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex _escaped;
    private readonly string[] _base64;

    public SecretForms(string secret)
    {
        // Compiled: built once per secret (SecretRedactor keeps it), then run over every provider answer's excerpt twice
        // (adapter and classifier), where the interpreter was the costliest step of the redaction.
        _escaped = new Regex(EscapedPattern(secret), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);
        _base64 = [.. Base64Cores(Encoding.UTF8.GetBytes(secret)).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
    }

    /// <summary>Replaces every form of the secret in <paramref name="text"/> with <paramref name="mask"/>.</summary>
    public string Replace(string text, string mask)
    {
        text = _escaped.Replace(text, mask);
        foreach (var core in _base64)
        {
            text = text.Replace(core, mask, StringComparison.Ordinal);
        }

        return text;
    }

    // Each character: itself, its JSON \uXXXX escape or its %XX URL escape; '/' also as JSON's "\/", ' ' also as '+'.
    private static string EscapedPattern(string secret)
    {
        var pattern = new StringBuilder();
        foreach (var c in secret)
        {
            var forms = new List<string> { Regex.Escape(c.ToString()) };
            if (c < 0x80)
            {
                var hex = ((int)c).ToString("X2", CultureInfo.InvariantCulture);
                forms.Add(@"\\u00" + hex);
                forms.Add("%" + hex);
            }

            if (c == '/')
            {
                forms.Add(@"\\/");
            }

            if (c == ' ')
            {
                forms.Add(@"\+");
            }

            pattern.Append("(?:").AppendJoin('|', forms).Append(')');
        }

        return pattern.ToString();
    }

    // For the secret's bytes starting at offset k (0, 1, 2) of a 3-byte group, the base64 characters that depend on
    // the secret's bytes alone: the same wherever the secret sits in the encoded text.
    private static IEnumerable<string> Base64Cores(byte[] secret)
    {
        for (var k = 0; k < 3; k++)
        {
            var shifted = new byte[k + secret.Length];
            secret.CopyTo(shifted, k);
            var encoded = Convert.ToBase64String(shifted);
            var start = ((8 * k) + 5) / 6;
            var end = 8 * (k + secret.Length) / 6;
            if (end - start < SecretRedactor.MinimumSecretLength)
            {
                continue;
            }

            var core = encoded[start..end];
            yield return core;
            yield return core.Replace('+', '-').Replace('/', '_');
        }
    }
}
