namespace LlmFunctions.Simulator;

/// <summary>The mutable state of one simulated provider: quota, rate window and its seeded random.</summary>
internal sealed class ProviderRuntime
{
    private const double Z95 = 1.6448536269514722;
    private readonly Lock _randomGate = new();
    private readonly Random _random;

    public ProviderRuntime(ProviderScenario spec, double timeScale, int seed)
    {
        Spec = spec;
        TimeScale = timeScale;
        // Seeded per provider so one provider's traffic does not shift another's fault sequence.
        _random = new Random(seed);
        Quota = spec.Quota is { } quota ? new QuotaState(quota, timeScale) : null;
        Window = spec.RateLimit is { } limit ? new RateWindow(limit, timeScale) : null;
        Flap = spec.Flap is { } flap ? new FlapState(flap, timeScale) : null;
    }

    public ProviderScenario Spec { get; }

    public double TimeScale { get; }

    public QuotaState? Quota { get; }

    public RateWindow? Window { get; }

    public FlapState? Flap { get; }

    public TimeSpan Scale(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds * TimeScale);

    /// <summary>Rolls the faults in order; the first that fires wins.</summary>
    public FaultSpec? RollFault()
    {
        foreach (var fault in Spec.Faults)
        {
            if (fault.Rate > 0 && NextDouble() < fault.Rate)
            {
                return fault;
            }
        }

        return null;
    }

    /// <summary>Samples the scaled success latency: fixed, or log-normal from median and p95.</summary>
    public TimeSpan SampleLatency() => Sample(Spec.Latency);

    /// <summary>Samples the scaled delay before an error answer.</summary>
    public TimeSpan SampleErrorLatency() => Sample(Spec.ErrorLatency);

    /// <summary>Samples a scaled delay of a stream setting (first token, between deltas).</summary>
    public TimeSpan SampleStreamDelay(LatencySpec? spec) => Sample(spec);

    private TimeSpan Sample(LatencySpec? spec)
    {
        switch (spec)
        {
            case null:
                return TimeSpan.Zero;
            case { FixedMs: { } fixedMs }:
                return Scale(fixedMs);
            case { MedianMs: { } median } when median > 0:
                var sigma = (Math.Log(spec.P95Ms ?? median) - Math.Log(median)) / Z95;
                return Scale(Math.Exp(Math.Log(median) + (sigma * NextGaussian())));
            default:
                return TimeSpan.Zero;
        }
    }

    private double NextGaussian()
    {
        // Box-Muller; 1 - u keeps the logarithm's argument above zero.
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private double NextDouble()
    {
        lock (_randomGate)
        {
            return _random.NextDouble();
        }
    }
}
