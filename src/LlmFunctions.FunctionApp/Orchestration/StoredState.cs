using System.Text.Json;
using LlmFunctions.Failover;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// How an instance's input and checkpoint are stored: the input is the <see cref="PromptRequest"/> (written once),
/// the checkpoint the candidates and history (rewritten after every attempt); together they are the
/// <see cref="FailoverState"/> the policy decides from.
/// </summary>
internal static class StoredState
{
    // The input is shown to callers as the status query's "input": camelCase, as the rest of that payload.
    private static readonly JsonSerializerOptions InputJson = new(JsonSerializerDefaults.Web);

    public static string SerializeInput(PromptRequest request) => JsonSerializer.Serialize(request, InputJson);

    public static PromptRequest DeserializeInput(string json) =>
        JsonSerializer.Deserialize<PromptRequest>(json, InputJson) ?? throw new JsonException("the stored input is null");

    public static string SerializeCheckpoint(FailoverState state) =>
        JsonSerializer.Serialize(new Checkpoint(state.Candidates, state.History));

    public static FailoverState? Restore(PromptRequest request, string? checkpoint) =>
        checkpoint is null
            ? null
            : JsonSerializer.Deserialize<Checkpoint>(checkpoint) is { } c
                ? new FailoverState(request, c.Candidates, c.History)
                : throw new JsonException("the stored checkpoint is null");

    private sealed record Checkpoint(IReadOnlyList<Candidate> Candidates, IReadOnlyList<HistoryEntry> History);
}
