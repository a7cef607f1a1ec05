namespace LlmFunctions.Tests.Infrastructure;

/// <summary>Waits for a condition that another process or thread brings about, with a deadline. Polls, because the
/// things it watches (storage rows, another process's HTTP answers) have no event to wait on.</summary>
internal static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what()}");
            }

            await Task.Delay(PollInterval, CancellationToken.None);
        }
    }
}
