using System.Collections.Concurrent;
using DurableTask.Core;

namespace LlmFunctions.Tests.StandaloneHost.Management;

/// <summary>Completes at once with its input.</summary>
public sealed class EchoOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) => Task.FromResult(input);
}

/// <summary>Runs on a 10-minute durable timer until the event <c>go</c> arrives; completes with the event's raw JSON.</summary>
public sealed class WaitForEventOrchestration : TaskOrchestration<string, string>
{
    public const string EventName = "go";

    private readonly TaskCompletionSource<string> _event = new();

    public override async Task<string> RunTask(OrchestrationContext context, string input)
    {
        using var cancelTimer = new CancellationTokenSource();
        var timer = context.CreateTimer(context.CurrentUtcDateTime.AddMinutes(10), "timed out", cancelTimer.Token);
        var first = await Task.WhenAny(_event.Task, timer);
        if (first == _event.Task)
        {
            // Synchronously: an orchestration must not continue on another thread (CancelAsync may).
#pragma warning disable CA1849
            cancelTimer.Cancel();
#pragma warning restore CA1849
        }

        return await first;
    }

    // The raw JSON of the event, not deserialized to the orchestration's string event type.
    public override void RaiseEvent(OrchestrationContext context, string name, string input)
    {
        if (name == EventName)
        {
            _event.TrySetResult(input);
        }
    }
}

/// <summary>Calls <see cref="FlakyActivity"/>, so it fails until the activity is switched to succeed.</summary>
public sealed class FlakyOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) =>
        context.ScheduleTask<string>(typeof(FlakyActivity), input);
}

/// <summary>Throws for a key until <see cref="Succeed"/> is called for it.</summary>
public sealed class FlakyActivity : TaskActivity<string, string>
{
    private static readonly ConcurrentDictionary<string, bool> Healed = new(StringComparer.Ordinal);

    public static void Succeed(string key) => Healed[key] = true;

    protected override string Execute(TaskContext context, string input) =>
        Healed.ContainsKey(input) ? "healed " + input : throw new InvalidOperationException("flaky activity failed for " + input);
}
