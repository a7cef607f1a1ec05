namespace LlmFunctions.Cli.Batch;

/// <summary>
/// Additive-increase, multiplicative-decrease concurrency over a sliding window of outcomes. Above
/// <see cref="AimdOptions.DecreaseAbove"/> errors the limit halves and nothing new starts for
/// <see cref="AimdOptions.Pause"/>; below <see cref="AimdOptions.IncreaseBelow"/> it grows by one per round (as many
/// outcomes as the limit) at the current level. Not thread-safe: the caller serialises calls.
/// </summary>
public sealed class AimdController
{
    private readonly AimdOptions _options;
    private readonly TimeProvider _time;
    private readonly Queue<bool> _window = new();
    private int _errors;
    private int _sinceChange;

    /// <summary>Starts at <see cref="AimdOptions.Initial"/>.</summary>
    public AimdController(AimdOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }

        _options = options;
        _time = time;
        Limit = options.Initial;
    }

    /// <summary>How many items may be in flight now.</summary>
    public int Limit { get; private set; }

    /// <summary>Until when nothing new may start (a past time when not paused).</summary>
    public DateTimeOffset PausedUntil { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>Whether a pause is running now.</summary>
    public bool IsPaused => _time.GetUtcNow() < PausedUntil;

    /// <summary>The share of errors among the outcomes in the window; 0 when it is empty.</summary>
    public double ErrorRate => _window.Count == 0 ? 0 : (double)_errors / _window.Count;

    /// <summary>How many outcomes the window holds.</summary>
    public int Samples => _window.Count;

    /// <summary>Records one outcome and adjusts the limit; returns the change made.</summary>
    public AimdChange Record(bool error)
    {
        _window.Enqueue(error);
        _errors += error ? 1 : 0;
        if (_window.Count > _options.Window && _window.Dequeue())
        {
            _errors--;
        }

        _sinceChange++;
        if (_window.Count < _options.MinSamples)
        {
            return AimdChange.None;
        }

        var rate = ErrorRate;
        if (rate > _options.DecreaseAbove)
        {
            Limit = Math.Max(_options.Min, Limit / 2);
            PausedUntil = _time.GetUtcNow() + _options.Pause;

            // The outcomes so far were measured at the old level; judging the new one on them would halve again at once.
            _window.Clear();
            _errors = 0;
            _sinceChange = 0;
            return AimdChange.Decreased;
        }

        if (rate < _options.IncreaseBelow && _sinceChange >= Limit && Limit < _options.Max)
        {
            Limit++;
            _sinceChange = 0;
            return AimdChange.Increased;
        }

        return AimdChange.None;
    }
}

/// <summary>What one outcome did to the concurrency limit.</summary>
public enum AimdChange
{
    /// <summary>Unchanged.</summary>
    None,

    /// <summary>Grew by one.</summary>
    Increased,

    /// <summary>Halved, with a pause.</summary>
    Decreased,
}
