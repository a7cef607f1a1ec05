using System.Globalization;
using System.Text;

namespace LlmFunctions.Health;

/// <summary>
/// Reversible escaping of provider names and model ids into Table Storage keys. Keys may not contain
/// <c>/ \ # ?</c> or control characters, and model ids routinely contain <c>/</c> (<c>meta-llama/Llama-3.1-8B-Instruct</c>,
/// <c>@cf/meta/llama-3.1-8b-instruct</c>). Each such character, and the escape character <c>~</c> itself, becomes
/// <c>~XX</c> (two upper-case hex digits); everything else (including <c>@</c> and <c>:</c>) stays readable.
/// <c>%</c> is escaped too, because percent signs in keys are mangled by some URL-decoding paths of the service.
/// </summary>
public static class TableKeyEncoding
{
    private const char Escape = '~';

    /// <summary>Encodes a value into a legal table key.</summary>
    /// <param name="value">The raw value.</param>
    /// <returns>The key.</returns>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Any(MustEscape))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (MustEscape(c))
            {
                builder.Append(Escape).Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Decodes a key produced by <see cref="Encode"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The raw value.</returns>
    /// <exception cref="FormatException">The key holds a malformed escape.</exception>
    public static string Decode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.Contains(Escape, StringComparison.Ordinal))
        {
            return key;
        }

        var builder = new StringBuilder(key.Length);
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] != Escape)
            {
                builder.Append(key[i]);
                continue;
            }

            if (i + 2 >= key.Length
                || !int.TryParse(key.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                throw new FormatException($"Malformed escape at position {i} in table key '{key}'.");
            }

            builder.Append((char)code);
            i += 2;
        }

        return builder.ToString();
    }

    // Every escaped character is at most U+00FF, so two hex digits always suffice.
    private static bool MustEscape(char c) =>
        c is Escape or '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);
}
