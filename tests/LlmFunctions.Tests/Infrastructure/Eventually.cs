namespace LlmFunctions.Tests.Infrastructure;

/// <summary>Waits for a condition the app reaches asynchronously by polling it; never a fixed sleep for an outcome.</summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    public static Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        WaitAsync(condition, timeout, () => what);

    /// <summary>Polls <paramref name="condition"/>; on timeout fails with <paramref name="what"/>, evaluated then (so it
    /// can show the last state seen).</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what()}");
            }

            // Poll interval of a bounded condition wait, not a wait for the outcome itself.
            await Task.Delay(PollInterval);
        }
    }

    public static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, what);
}
