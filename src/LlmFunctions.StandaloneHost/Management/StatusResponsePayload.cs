using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>
/// One instance's status, with the field names and formats the Functions host writes (its <c>StatusResponsePayload</c>).
/// </summary>
public sealed class StatusResponsePayload
{
    /// <summary>Gets the orchestrator's name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Gets the instance id.</summary>
    [JsonPropertyName("instanceId")]
    public string? InstanceId { get; init; }

    /// <summary>Gets the runtime status's name, e.g. <c>Running</c>.</summary>
    [JsonPropertyName("runtimeStatus")]
    public string? RuntimeStatus { get; init; }

    /// <summary>Gets the input: JSON as stored, a plain string when it is not JSON, null when not read.</summary>
    [JsonPropertyName("input")]
    public JsonText Input { get; init; }

    /// <summary>Gets the custom status, formatted like <see cref="Input"/>.</summary>
    [JsonPropertyName("customStatus")]
    public JsonText CustomStatus { get; init; }

    /// <summary>Gets the output, formatted like <see cref="Input"/>.</summary>
    [JsonPropertyName("output")]
    public JsonText Output { get; init; }

    /// <summary>Gets the creation time, UTC, to the second (<c>yyyy-MM-ddTHH:mm:ssZ</c>).</summary>
    [JsonPropertyName("createdTime")]
    public string? CreatedTime { get; init; }

    /// <summary>Gets the last update time, formatted like <see cref="CreatedTime"/>.</summary>
    [JsonPropertyName("lastUpdatedTime")]
    public string? LastUpdatedTime { get; init; }

    /// <summary>Gets the history, only when asked for with <c>showHistory=true</c>; omitted otherwise.</summary>
    [JsonPropertyName("historyEvents")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonArray? HistoryEvents { get; init; }
}
