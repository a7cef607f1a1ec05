using LlmFunctions.Providers;

namespace LlmFunctions.Tests.Providers;

public sealed class ProviderSlotsTests
{
    [Fact]
    public async Task EnterAsync_AllSlotsTakenAndQueueFull_RefusesAtOnceButALastResortWaits()
    {
        using var slots = new ProviderSlots(maxConcurrency: 1, maxQueue: 1);
        Assert.True(await slots.EnterAsync(mustWait: false, CancellationToken.None));
        var queued = slots.EnterAsync(mustWait: false, CancellationToken.None);
        var lastResort = slots.EnterAsync(mustWait: true, CancellationToken.None);

        var refused = await slots.EnterAsync(mustWait: false, CancellationToken.None);

        Assert.False(refused);
        Assert.False(queued.IsCompleted);
        slots.Release();
        Assert.True(await queued);
        slots.Release();
        Assert.True(await lastResort);
    }

    [Fact]
    public async Task EnterAsync_WaitCancelled_ThrowsAndFreesItsPlaceInTheQueue()
    {
        using var slots = new ProviderSlots(maxConcurrency: 1, maxQueue: 1);
        Assert.True(await slots.EnterAsync(mustWait: false, CancellationToken.None));
        using var cancel = new CancellationTokenSource();
        var waiting = slots.EnterAsync(mustWait: false, cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var next = slots.EnterAsync(mustWait: false, CancellationToken.None);
        Assert.False(next.IsCompleted);
        slots.Release();
        Assert.True(await next);
    }
}
