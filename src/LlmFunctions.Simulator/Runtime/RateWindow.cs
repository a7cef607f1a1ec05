namespace LlmFunctions.Simulator;

/// <summary>A fixed window that starts with the first request after the previous one ended.</summary>
internal sealed class RateWindow(RateLimitSpec spec, double timeScale)
{
    private readonly Lock _gate = new();
    private readonly TimeSpan _length = TimeSpan.FromSeconds(spec.WindowSeconds * timeScale);
    private DateTimeOffset? _start;
    private int _count;

    public RateLimitSpec Spec => spec;

    /// <summary>Admits a request, or returns false with the time until the window resets.</summary>
    public bool TryAcquire(DateTimeOffset now, out TimeSpan resetIn) => TryAcquire(now, out resetIn, out _);

    /// <summary>Admits a request, or returns false; either way says the time until the window resets and the requests
    /// left in it after this one.</summary>
    public bool TryAcquire(DateTimeOffset now, out TimeSpan resetIn, out int remaining)
    {
        lock (_gate)
        {
            if (_start is not { } start || now >= start + _length)
            {
                _start = now;
                _count = 0;
            }

            resetIn = _start.Value + _length - now;
            if (_count < spec.RequestsPerWindow)
            {
                _count++;
                remaining = spec.RequestsPerWindow - _count;
                return true;
            }

            remaining = 0;
            return false;
        }
    }
}
