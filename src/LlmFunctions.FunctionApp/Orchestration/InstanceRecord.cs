using Azure;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// One orchestration instance as stored in the instances table (partition = instance id, row key empty). JSON
/// documents are kept as text; the store moves any too large for a table property to a blob and back.
/// </summary>
internal sealed record InstanceRecord
{
    public required string InstanceId { get; init; }

    public string Name { get; init; } = PromptOrchestratorName;

    public required RuntimeStatus Status { get; init; }

    /// <summary>Gets the input: the validated <c>PromptRequest</c> as JSON.</summary>
    public required string Input { get; init; }

    /// <summary>Gets the output JSON once the instance is terminal.</summary>
    public string? Output { get; init; }

    /// <summary>Gets the custom status JSON: current provider, attempt, next retry time.</summary>
    public string? CustomStatus { get; init; }

    /// <summary>Gets the orchestration's checkpoint: candidates and failover history as JSON.</summary>
    public string? Checkpoint { get; init; }

    public required DateTimeOffset CreatedTime { get; init; }

    public required DateTimeOffset LastUpdatedTime { get; init; }

    /// <summary>Gets how many history rows are committed (rows 0 .. count-1).</summary>
    public long HistoryCount { get; init; }

    /// <summary>Gets the token of the one queue message allowed to advance the instance; any other is stale.</summary>
    public string? WakeToken { get; init; }

    /// <summary>Gets when the pending durable timer fires, if the instance waits.</summary>
    public DateTimeOffset? WakeAt { get; init; }

    /// <summary>Gets the host running a step, while it runs.</summary>
    public string? ClaimOwner { get; init; }

    /// <summary>Gets when the running host's claim lapses (a crashed host's step is taken up after it).</summary>
    public DateTimeOffset? ClaimUntil { get; init; }

    /// <summary>Gets the ETag read with the record; updates are conditional on it.</summary>
    public ETag ETag { get; init; }

    /// <summary>Gets the blobs that hold large documents, by field, with the text each holds: a commit that leaves a
    /// document unchanged points at the same blob instead of uploading it again.</summary>
    internal IReadOnlyDictionary<string, (string Blob, string Text)> Blobs { get; init; } = new Dictionary<string, (string, string)>();

    public const string PromptOrchestratorName = "PromptOrchestrator";
}
