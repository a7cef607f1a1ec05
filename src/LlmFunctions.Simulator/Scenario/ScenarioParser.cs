using System.Text.Json;
using static LlmFunctions.Simulator.JsonFields;

namespace LlmFunctions.Simulator;

/// <summary>Turns scenario JSON into a validated <see cref="SimulatorScenario"/>.</summary>
internal static class ScenarioParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public static SimulatorScenario Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new SimulatorScenarioException($"(root): invalid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            return ParseRoot(document.RootElement);
        }
    }

    private static SimulatorScenario ParseRoot(JsonElement root)
    {
        RequireObject(root, "(root)");
        RejectUnknown(root, string.Empty, "description", "seed", "timeScale", "providers");

        var timeScale = OptionalNumber(root, string.Empty, "timeScale") ?? 1.0;
        if (timeScale <= 0)
        {
            throw Fail("timeScale", $"must be greater than 0, was {Format(timeScale)}");
        }

        if (Optional(root, "providers") is not { ValueKind: JsonValueKind.Array } providersElement)
        {
            throw Fail("providers", "is required and must be an array");
        }

        var providers = new List<ProviderScenario>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var index = 0;
        foreach (var element in providersElement.EnumerateArray())
        {
            var path = $"providers[{index++}]";
            var provider = ProviderParser.Parse(element, path);
            if (!names.Add(provider.Name))
            {
                throw Fail(Join(path, "name"), $"duplicate provider name \"{provider.Name}\"");
            }

            providers.Add(provider);
        }

        return new SimulatorScenario(providers)
        {
            Description = OptionalString(root, string.Empty, "description"),
            Seed = OptionalInt(root, string.Empty, "seed") ?? 1,
            TimeScale = timeScale,
        };
    }
}
