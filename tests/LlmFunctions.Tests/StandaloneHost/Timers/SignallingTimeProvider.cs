using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.StandaloneHost.Timers;

/// <summary>A fake clock that tells the test when a timer loop has started waiting (one-shot timers only, so a lease
/// renewal's periodic timer is not mistaken for it), so it advances neither too early nor by sleeping.</summary>
public sealed class SignallingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan)
        {
            _waits.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Waits until <paramref name="count"/> loops wait, and returns how long each waits.</summary>
    public async Task<TimeSpan[]> WaitForWaitsAsync(int count, TimeSpan limit)
    {
        var waits = new TimeSpan[count];
        for (var i = 0; i < count; i++)
        {
            waits[i] = await _waits.Reader.ReadAsync().AsTask().WaitAsync(limit);
        }

        return waits;
    }
}
