namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>Wakes this host's worker when it has just queued work itself, so a start does not wait for the next
/// poll; other hosts find the work by polling.</summary>
internal sealed class OrchestrationSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes at the next <see cref="WorkArrived"/>; take it before polling so a signal
    /// during the poll is not missed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void WorkArrived() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
