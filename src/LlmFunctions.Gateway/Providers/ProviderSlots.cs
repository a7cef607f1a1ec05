namespace LlmFunctions.Providers;

/// <summary>
/// One provider's concurrency limit on this instance with a bounded queue: a call takes a free slot, or waits for one
/// while fewer than the queue limit wait; a call that finds the queue full is told so at once, so its request can try
/// another provider instead of waiting behind a saturated one. A caller with nowhere else to go may wait regardless
/// of the queue limit; its token (the request's deadline) bounds the wait.
/// </summary>
internal sealed class ProviderSlots : IDisposable
{
    private readonly SemaphoreSlim _free;
    private readonly int _maxQueue;
    private int _waiting;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="maxConcurrency">Calls in flight at most.</param>
    /// <param name="maxQueue">Calls waiting for a slot at most (callers that must wait are not counted against it).</param>
    public ProviderSlots(int maxConcurrency, int maxQueue)
    {
        _free = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        _maxQueue = maxQueue;
    }

    /// <summary>Takes a slot, waiting for one when the queue has room or <paramref name="mustWait"/>.</summary>
    /// <param name="mustWait">Wait whatever the queue holds (the caller has no other provider left).</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>True with a slot taken (give it back with <see cref="Release"/>); false when the queue is full.</returns>
    public async Task<bool> EnterAsync(bool mustWait, CancellationToken cancellationToken)
    {
        if (_free.Wait(0, CancellationToken.None))
        {
            return true;
        }

        if (Interlocked.Increment(ref _waiting) > _maxQueue && !mustWait)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        try
        {
            await _free.WaitAsync(cancellationToken);
            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>Gives a slot back.</summary>
    public void Release() => _free.Release();

    /// <inheritdoc />
    public void Dispose() => _free.Dispose();
}
