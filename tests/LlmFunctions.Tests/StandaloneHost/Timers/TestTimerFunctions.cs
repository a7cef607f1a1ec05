using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.Tests.StandaloneHost.Timers;

/// <summary>Which host a service provider plays in a test.</summary>
public sealed record HostName(string Value);

/// <summary>One timer function run, as the function saw it.</summary>
public sealed record TimerRun(string Host, string Function, TimerInfo Info, bool TokenCanBeCanceled);

/// <summary>Collects every run across the hosts of one test; can make the next run throw.</summary>
public sealed class TimerRuns
{
    private readonly Channel<TimerRun> _arrived = Channel.CreateUnbounded<TimerRun>();
    private int _failNext;

    public ConcurrentQueue<TimerRun> All { get; } = new();

    public void FailNextRun() => Interlocked.Exchange(ref _failNext, 1);

    public void Record(TimerRun run)
    {
        All.Enqueue(run);
        _arrived.Writer.TryWrite(run);
        if (Interlocked.Exchange(ref _failNext, 0) == 1)
        {
            throw new InvalidOperationException("the timer function failed");
        }
    }

    public async Task<TimerRun> NextAsync(TimeSpan limit) => await _arrived.Reader.ReadAsync().AsTask().WaitAsync(limit);
}

/// <summary>A timer on the schedule held by setting Test:Schedule.</summary>
public sealed class ScheduledTimer(TimerRuns runs, HostName host)
{
    [Function(nameof(ScheduledTimer))]
    public Task Run([TimerTrigger("%Test:Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        runs.Record(new TimerRun(host.Value, nameof(ScheduledTimer), timer, cancellationToken.CanBeCanceled));
        return Task.CompletedTask;
    }
}

/// <summary>A timer that also runs when the host starts.</summary>
public sealed class StartupTimer(TimerRuns runs, HostName host)
{
    [Function(nameof(StartupTimer))]
    public void Run([TimerTrigger("0 0 * * * *", RunOnStartup = true)] TimerInfo timer) =>
        runs.Record(new TimerRun(host.Value, nameof(StartupTimer), timer, false));
}

/// <summary>A timer whose schedule setting holds whatever the test puts in Test:Bad.</summary>
public static class BadScheduleTimer
{
    [Function(nameof(BadScheduleTimer))]
    public static void Run([TimerTrigger("%Test:Bad%")] TimerInfo timer)
    {
    }
}

/// <summary>A timer taking a FunctionContext, which the standalone host refuses.</summary>
public static class ContextTimer
{
    [Function(nameof(ContextTimer))]
    public static void Run([TimerTrigger("0 * * * * *")] TimerInfo timer, FunctionContext context)
    {
    }
}
