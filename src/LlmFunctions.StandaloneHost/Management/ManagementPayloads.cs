using System.Text.Json.Serialization;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>The body of a purge's 200, as the Functions host writes it (its <c>PurgeHistoryResult</c>).</summary>
/// <param name="InstancesDeleted">How many instances were deleted.</param>
public sealed record PurgeHistoryPayload([property: JsonPropertyName("instancesDeleted")] int InstancesDeleted);

/// <summary>
/// The links of one instance's management API, as the Functions host writes them in a 202 check-status response
/// (<c>CreateCheckStatusResponse</c>).
/// </summary>
/// <param name="Id">The instance id.</param>
/// <param name="StatusQueryGetUri">GET: the instance's status.</param>
/// <param name="SendEventPostUri">POST: raise an event (replace <c>{eventName}</c>).</param>
/// <param name="TerminatePostUri">POST: terminate (replace <c>{text}</c>).</param>
/// <param name="PurgeHistoryDeleteUri">DELETE: purge the instance.</param>
/// <param name="RestartPostUri">POST: restart.</param>
/// <param name="SuspendPostUri">POST: suspend (replace <c>{text}</c>).</param>
/// <param name="ResumePostUri">POST: resume (replace <c>{text}</c>).</param>
public sealed record HttpManagementPayload(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("statusQueryGetUri")] string StatusQueryGetUri,
    [property: JsonPropertyName("sendEventPostUri")] string SendEventPostUri,
    [property: JsonPropertyName("terminatePostUri")] string TerminatePostUri,
    [property: JsonPropertyName("purgeHistoryDeleteUri")] string PurgeHistoryDeleteUri,
    [property: JsonPropertyName("restartPostUri")] string RestartPostUri,
    [property: JsonPropertyName("suspendPostUri")] string SuspendPostUri,
    [property: JsonPropertyName("resumePostUri")] string ResumePostUri);

/// <summary>The body of a 4xx or 503 from the management API.</summary>
/// <param name="Message">What was wrong, for a person.</param>
/// <param name="ParameterName">The query parameter, header or route value at fault, when one is.</param>
public sealed record ErrorPayload(
    [property: JsonPropertyName("Message")] string Message,
    [property: JsonPropertyName("ParameterName")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    string? ParameterName = null);
