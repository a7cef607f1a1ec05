using System.Globalization;
using System.Text.Json;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Finds a string in a JSON document that is not text: invalid UTF-8, or an unpaired surrogate escape such as
/// <c>"\uD800"</c>. System.Text.Json parses both and throws only when the string is read, which would surface as a 500
/// wherever the value is first read, or be relayed to a provider as it is.
/// </summary>
internal static class JsonText
{
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
