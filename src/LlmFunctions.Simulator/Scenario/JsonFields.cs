using System.Globalization;
using System.Text.Json;

namespace LlmFunctions.Simulator;

/// <summary>Typed reads of scenario JSON that fail with the field path in the message.</summary>
internal static class JsonFields
{
    public static SimulatorScenarioException Fail(string path, string problem) => new($"{path}: {problem}");

    public static string Join(string parent, string field) => parent.Length == 0 ? field : $"{parent}.{field}";

    public static void RequireObject(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Fail(path, $"must be an object, was {Describe(element)}");
        }
    }

    /// <summary>Rejects unknown fields so a typo (e.g. <c>latencyMS</c>) is not silently ignored.</summary>
    public static void RejectUnknown(JsonElement obj, string path, params string[] allowed)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Fail(Join(path, property.Name), $"unknown field (expected one of: {string.Join(", ", allowed)})");
            }
        }
    }

    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? OptionalString(JsonElement obj, string path, string name)
    {
        if (Optional(obj, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Fail(Join(path, name), $"must be a string, was {Describe(value)}");
    }

    public static double? OptionalNumber(JsonElement obj, string path, string name)
    {
        if (Optional(obj, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw Fail(Join(path, name), $"must be a number, was {Describe(value)}");
    }

    public static double? OptionalNonNegative(JsonElement obj, string path, string name)
    {
        var number = OptionalNumber(obj, path, name);
        return number is < 0
            ? throw Fail(Join(path, name), $"must not be negative, was {Format(number.Value)}")
            : number;
    }

    public static int? OptionalInt(JsonElement obj, string path, string name)
    {
        if (Optional(obj, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Fail(Join(path, name), $"must be an integer, was {Describe(value)}");
    }

    public static int? OptionalHttpStatus(JsonElement obj, string path, string name)
    {
        var status = OptionalInt(obj, path, name);
        return status is < 100 or > 599
            ? throw Fail(Join(path, name), $"must be an HTTP status between 100 and 599, was {status}")
            : status;
    }

    public static bool? OptionalBool(JsonElement obj, string path, string name)
    {
        if (Optional(obj, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw Fail(Join(path, name), $"must be true or false, was {Describe(value)}");
    }

    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{value.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.GetRawText(),
    };
}
