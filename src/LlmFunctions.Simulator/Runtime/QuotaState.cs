namespace LlmFunctions.Simulator;

/// <summary>Counts a provider's successful calls against its quota; a slot is reserved up front so concurrent calls cannot overshoot.</summary>
internal sealed class QuotaState(QuotaSpec spec, double timeScale)
{
    private readonly Lock _gate = new();
    private readonly TimeSpan? _period = spec.PeriodSeconds is { } seconds ? TimeSpan.FromSeconds(seconds * timeScale) : null;
    private DateTimeOffset? _periodStart;
    private int _used;

    public QuotaSpec Spec => spec;

    /// <summary>Reserves a slot, or returns false with the Retry-After to send (null for none).</summary>
    public bool TryReserve(DateTimeOffset now, out TimeSpan? retryAfter)
    {
        lock (_gate)
        {
            if (_period is { } period && _periodStart is { } start && now >= start + period)
            {
                _periodStart = null;
                _used = 0;
            }

            _periodStart ??= now;
            if (_used < spec.Requests)
            {
                _used++;
                retryAfter = null;
                return true;
            }

            retryAfter = spec.RetryAfterSeconds is { } seconds
                ? TimeSpan.FromSeconds(seconds * timeScale)
                : _period is { } p ? _periodStart.Value + p - now : null;
            return false;
        }
    }

    /// <summary>Gives back a reserved slot when the call did not succeed.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_used > 0)
            {
                _used--;
            }
        }
    }
}
