using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>
/// A hand-written <see cref="TaskOrchestrationContext"/> for testing an orchestrator without storage: virtual time that
/// a timer moves to its fire time, activities answered by a script, and Durable's retry-handler loop as the worker's
/// context wrapper runs it (a failed activity builds a <see cref="RetryContext"/>; the handler decides; true calls
/// the activity again). Inputs and outputs go through JSON, as they do on the wire.
/// </summary>
internal sealed class ScriptedOrchestrationContext(DateTimeOffset start, object input) : TaskOrchestrationContext
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, Func<JsonElement, object?>> _activities = [];
    private int _guids;

    public DateTimeOffset Now { get; private set; } = start;

    public List<(string Name, JsonElement Input)> ActivityCalls { get; } = [];

    public List<DateTimeOffset> Timers { get; } = [];

    public List<JsonElement> CustomStatuses { get; } = [];

    public override TaskName Name => "PromptOrchestrator";

    public override string InstanceId => "test-instance";

    public override ParentOrchestrationInstance? Parent => null;

    public override DateTime CurrentUtcDateTime => Now.UtcDateTime;

    public override bool IsReplaying => false;

    protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

    /// <summary>Answers calls of <paramref name="name"/>: return a value, or throw an exception to fail the activity.</summary>
    public ScriptedOrchestrationContext On(string name, Func<JsonElement, object?> answer)
    {
        _activities[name] = answer;
        return this;
    }

    public override T? GetInput<T>() where T : default => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(input, Json), Json);

    public override async Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var started = Now;
        for (var attempt = 1; ; attempt++)
        {
            var json = JsonSerializer.SerializeToElement(input, Json);
            ActivityCalls.Add((name.Name, json));
            try
            {
                var result = _activities[name.Name](json);
                return JsonSerializer.Deserialize<TResult>(JsonSerializer.Serialize(result, Json), Json)!;
            }
            catch (Exception ex) when (ex is not TaskFailedException)
            {
                var failure = new TaskFailedException(name.Name, attempt, TaskFailureDetails.FromException(ex));
                if (options?.Retry?.Handler is not { } handler
                    || !await handler.Invoke(new RetryContext(this, attempt, failure.FailureDetails, Now - started, CancellationToken.None)))
                {
                    throw failure;
                }
            }
        }
    }

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var at = new DateTimeOffset(fireAt, TimeSpan.Zero);
        Timers.Add(at);
        if (at > Now)
        {
            Now = at;
        }

        return Task.CompletedTask;
    }

    public override void SetCustomStatus(object? customStatus) =>
        CustomStatuses.Add(JsonSerializer.SerializeToElement(customStatus, Json));

    public override Guid NewGuid()
    {
        // Deterministic, like the real context's name-based GUIDs; the middle of the range (no jitter) is 0x80...
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes[8..], 0x8000_0000_0000_0000UL + (ulong)_guids++);
        BitConverter.TryWriteBytes(bytes, 0x8000_0000_0000_0000UL);
        return new Guid(bytes);
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The prompt orchestration waits for no event.");

    public override void SendEvent(string instanceId, string eventName, object payload) =>
        throw new NotSupportedException("The prompt orchestration sends no event.");

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        throw new NotSupportedException("The prompt orchestration starts no sub-orchestration.");

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        throw new NotSupportedException("The prompt orchestration does not continue as new.");
}
