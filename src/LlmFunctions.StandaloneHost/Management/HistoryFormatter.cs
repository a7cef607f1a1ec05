using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.Core;
using DurableTask.Core.History;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>
/// Turns DTFx's serialized history into the <c>historyEvents</c> array the Functions host returns: event types and
/// statuses by name, each completion merged with its scheduling event (function name, scheduled time, input),
/// orchestrator-episode markers dropped, results only with <c>showHistoryOutput</c>, inputs only with <c>showInput</c>.
/// Mirrors <c>DurableClient.GetDurableOrchestrationStatusAsync</c> of the WebJobs extension.
/// </summary>
internal static class HistoryFormatter
{
    public static JsonArray Format(string serializedHistory, bool showHistoryOutput, bool showInput)
    {
        var history = JsonNode.Parse(serializedHistory) as JsonArray ?? [];
        var scheduled = new Dictionary<string, (int Index, JsonNode? Name, JsonNode? Timestamp, JsonNode? Input)>(StringComparer.Ordinal);
        var dropped = new SortedSet<int>();

        for (var i = 0; i < history.Count; i++)
        {
            if (history[i] is not JsonObject item || !TryGetEventType(item["EventType"], out var eventType))
            {
                continue;
            }

            item["EventType"] = eventType.ToString();
            switch (eventType)
            {
                case EventType.TaskScheduled:
                case EventType.SubOrchestrationInstanceCreated:
                    scheduled[Key(eventType, item["EventId"])] = (i, item["Name"]?.DeepClone(), item["Timestamp"]?.DeepClone(), item["Input"]?.DeepClone());
                    item.Remove("Version");
                    break;
                case EventType.TaskCompleted:
                case EventType.TaskFailed:
                    MergeScheduled(item, Key(EventType.TaskScheduled, item["TaskScheduledId"]), scheduled, dropped, showInput);
                    item.Remove("TaskScheduledId");
                    FormatResult(item, showHistoryOutput && eventType == EventType.TaskCompleted, eventType == EventType.TaskCompleted);
                    break;
                case EventType.SubOrchestrationInstanceCompleted:
                case EventType.SubOrchestrationInstanceFailed:
                    MergeScheduled(item, Key(EventType.SubOrchestrationInstanceCreated, item["TaskScheduledId"]), scheduled, dropped, showInput);
                    item.Remove("TaskScheduledId");
                    FormatResult(item, showHistoryOutput && eventType == EventType.SubOrchestrationInstanceCompleted, eventType == EventType.SubOrchestrationInstanceCompleted);
                    break;
                case EventType.ExecutionStarted:
                    var functionName = item["Name"]?.DeepClone();
                    item.Remove("Name");
                    item["FunctionName"] = functionName;
                    item.Remove("OrchestrationInstance");
                    item.Remove("ParentInstance");
                    item.Remove("Version");
                    item.Remove("Tags");
                    break;
                case EventType.ExecutionCompleted:
                    if (item["OrchestrationStatus"] is JsonValue status && status.TryGetValue<int>(out var statusValue))
                    {
                        item["OrchestrationStatus"] = ((OrchestrationStatus)statusValue).ToString();
                    }

                    FormatResult(item, showHistoryOutput, removeWhenHidden: true);
                    break;
                case EventType.TimerFired:
                    item.Remove("TimerId");
                    break;
                case EventType.OrchestratorStarted:
                case EventType.OrchestratorCompleted:
                    dropped.Add(i);
                    break;
                default:
                    break;
            }

            if (!showInput)
            {
                item.Remove("Input");
            }

            item.Remove("EventId");
            item.Remove("IsPlayed");
        }

        foreach (var index in dropped.Reverse())
        {
            history.RemoveAt(index);
        }

        return history;
    }

    private static bool TryGetEventType(JsonNode? node, out EventType eventType)
    {
        eventType = default;
        if (node is not JsonValue value)
        {
            return false;
        }

        if (value.TryGetValue<int>(out var number))
        {
            eventType = (EventType)number;
            return Enum.IsDefined(eventType);
        }

        return value.TryGetValue<string>(out var name) && Enum.TryParse(name, out eventType);
    }

    private static string Key(EventType eventType, JsonNode? eventId) =>
        string.Create(CultureInfo.InvariantCulture, $"{eventType}_{eventId?.ToJsonString()}");

    private static void MergeScheduled(
        JsonObject item,
        string key,
        Dictionary<string, (int Index, JsonNode? Name, JsonNode? Timestamp, JsonNode? Input)> scheduled,
        SortedSet<int> dropped,
        bool showInput)
    {
        if (!scheduled.TryGetValue(key, out var origin))
        {
            return;
        }

        item["ScheduledTime"] = origin.Timestamp?.DeepClone();
        item["FunctionName"] = origin.Name?.DeepClone();
        if (showInput)
        {
            item["Input"] = origin.Input?.DeepClone();
        }

        dropped.Add(origin.Index);
    }

    private static void FormatResult(JsonObject item, bool show, bool removeWhenHidden)
    {
        if (!show)
        {
            if (removeWhenHidden)
            {
                item.Remove("Result");
            }

            return;
        }

        if (item["Result"] is JsonValue result && result.TryGetValue<string>(out var text))
        {
            item["Result"] = ParseOrKeep(text);
        }
    }

    private static JsonNode? ParseOrKeep(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return JsonValue.Create(string.Empty);
        }

        try
        {
            return JsonNode.Parse(trimmed);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
