using System.Text.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace LlmFunctions.FunctionApp.Configuration;

/// <summary>
/// Layers configuration the way the Azure Functions host does: <c>host.json</c> (its <c>extensions.llmFunctions</c>
/// section becomes <c>LlmFunctions:*</c>), then <c>local.settings.json</c>'s <c>Values</c> (local runs only), then
/// environment variables, which win. <c>__</c> in a name stands for <c>:</c>, as in Functions app settings.
/// </summary>
internal static class FunctionsConfigurationExtensions
{
    /// <summary>The environment variable that names the folder holding host.json, when it cannot be found.</summary>
    public const string RootVariable = "LLMFUNCTIONS_ROOT";

    /// <summary>Adds host.json, local.settings.json and the environment, in that order of precedence (lowest first).</summary>
    /// <param name="configuration">The host's configuration manager.</param>
    /// <param name="contentRoot">The host's content root.</param>
    /// <returns>The folder the settings were read from.</returns>
    public static string AddFunctionsConfiguration(this IConfigurationManager configuration, string contentRoot)
    {
        var root = Environment.GetEnvironmentVariable(RootVariable)
            ?? FunctionAppRoot.Locate(contentRoot, AppContext.BaseDirectory)
            ?? throw new InvalidOperationException($"host.json was not found above '{contentRoot}' or '{AppContext.BaseDirectory}'; set {RootVariable} to the folder that holds it.");

        configuration.Add(new MemoryConfigurationSource { InitialData = ReadHostJson(Path.Combine(root, "host.json")) });
        var localSettings = Path.Combine(root, "local.settings.json");
        if (File.Exists(localSettings))
        {
            configuration.Add(new MemoryConfigurationSource { InitialData = ReadLocalSettings(localSettings) });
        }

        configuration.AddEnvironmentVariables();
        return root;
    }

    internal static Dictionary<string, string?> ReadHostJson(string path)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using var document = ParseFile(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"{path}: the root must be a JSON object");
        }

        Flatten(document.RootElement, "AzureFunctionsJobHost", data);
        if (document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.ValueKind == JsonValueKind.Object
            && extensions.TryGetProperty("llmFunctions", out var ours))
        {
            Flatten(ours, "LlmFunctions", data);
        }

        return data;
    }

    internal static Dictionary<string, string?> ReadLocalSettings(string path)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using var document = ParseFile(path);
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            return data;
        }

        foreach (var property in values.EnumerateObject())
        {
            var key = property.Name.Replace("__", ":", StringComparison.Ordinal);
            data[key] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Null => null,
                _ => property.Value.GetRawText(),
            };
        }

        return data;
    }

    private static JsonDocument ParseFile(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{path}: invalid JSON at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}", ex);
        }
    }

    private static void Flatten(JsonElement element, string prefix, Dictionary<string, string?> data)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, $"{prefix}:{property.Name}", data);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{prefix}:{index++}", data);
                }

                break;
            case JsonValueKind.String:
                data[prefix] = element.GetString();
                break;
            case JsonValueKind.Null:
                data[prefix] = null;
                break;
            default:
                data[prefix] = element.GetRawText();
                break;
        }
    }
}
