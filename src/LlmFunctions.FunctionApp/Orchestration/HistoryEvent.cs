namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>One row of an instance's history, keyed by its sequence number so a replayed step cannot add it twice.</summary>
/// <param name="Sequence">0-based, gap-free within the instance.</param>
/// <param name="EventType">ExecutionStarted, AttemptCompleted, ProviderSkipped, TimerCreated, ExecutionSuspended, ...</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Data">Event details as JSON, or null.</param>
internal sealed record HistoryEvent(long Sequence, string EventType, DateTimeOffset Timestamp, string? Data);

/// <summary>History event type names.</summary>
internal static class HistoryEventTypes
{
    public const string ExecutionStarted = "ExecutionStarted";
    public const string AttemptCompleted = "AttemptCompleted";
    public const string ProviderSkipped = "ProviderSkipped";
    public const string TimerCreated = "TimerCreated";
    public const string TimerFired = "TimerFired";
    public const string ExecutionSuspended = "ExecutionSuspended";
    public const string ExecutionResumed = "ExecutionResumed";
    public const string EventRaised = "EventRaised";
    public const string ExecutionCompleted = "ExecutionCompleted";
    public const string ExecutionFailed = "ExecutionFailed";
    public const string ExecutionTerminated = "ExecutionTerminated";
}
