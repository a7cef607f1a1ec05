using System.Text.Json.Nodes;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>An instance as Durable Functions' status query shows it.</summary>
internal static class InstanceStatusView
{
    public static JsonObject For(InstanceRecord record, IReadOnlyList<HistoryEvent>? history, bool showInput = true)
    {
        var view = new JsonObject
        {
            ["name"] = record.Name,
            ["instanceId"] = record.InstanceId,
            ["runtimeStatus"] = record.Status.ToString(),
            ["input"] = showInput ? ParseOrText(record.Input) : null,
            ["customStatus"] = ParseOrText(record.CustomStatus),
            ["output"] = ParseOrText(record.Output),
            ["createdTime"] = record.CreatedTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["lastUpdatedTime"] = record.LastUpdatedTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (history is not null)
        {
            var events = new JsonArray();
            foreach (var e in history)
            {
                var item = new JsonObject { ["EventType"] = e.EventType, ["Sequence"] = e.Sequence, ["Timestamp"] = e.Timestamp };
                if (ParseOrText(e.Data) is JsonObject data)
                {
                    foreach (var (key, value) in data.ToList())
                    {
                        data.Remove(key);
                        item[key] = value;
                    }
                }

                events.Add(item);
            }

            view["historyEvents"] = events;
        }

        return view;
    }

    private static JsonNode? ParseOrText(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(json);
        }
    }
}
