using System.Globalization;
using System.Text.Unicode;
using System.Text.Json;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Finds a string in a JSON document that is not text: invalid UTF-8, or an unpaired surrogate escape such as
/// <c>"\uD800"</c>. System.Text.Json parses both and throws only when the string is read, which would surface as a 500
/// wherever the value is first read, or be relayed to a provider as it is.
/// </summary>
internal static class JsonText
{
    /// <summary>A fast look at the raw body: false when it is valid UTF-8 and holds no <c>\uD800</c>-<c>\uDFFF</c>
    /// escape, so that <see cref="FindInvalid"/> (which reads every string) runs only for a body that may need it.</summary>
    public static bool MayHoldInvalidText(ReadOnlySpan<byte> body)
    {
        if (!Utf8.IsValid(body))
        {
            return true;
        }

        for (var i = body.IndexOf("\\u"u8); i >= 0 && i + 3 < body.Length; i = NextEscape(body, i + 2))
        {
            if (body[i + 2] is (byte)'d' or (byte)'D' && body[i + 3] is (>= (byte)'8' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F'))
            {
                return true;
            }
        }

        return false;
    }

    private static int NextEscape(ReadOnlySpan<byte> body, int from)
    {
        var next = body[from..].IndexOf("\\u"u8);
        return next < 0 ? -1 : from + next;
    }

    /// <summary>The JSON path of the first string or property name that is not text ("" for the root), or null.</summary>
    public static string? FindInvalid(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsText(element) ? null : string.Empty;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return string.Empty;
                    }

                    if (FindInvalid(property.Value) is { } inner)
                    {
                        return Join(name, inner);
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindInvalid(item) is { } inner)
                    {
                        return Join(string.Create(CultureInfo.InvariantCulture, $"[{i}]"), inner);
                    }

                    i++;
                }

                return null;
            default:
                return null;
        }
    }

    private static string Join(string name, string inner) =>
        inner.Length == 0 ? name : name + (inner.StartsWith('[') ? inner : "." + inner);

    private static bool IsText(JsonElement value)
    {
        try
        {
            value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
