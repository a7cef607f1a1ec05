namespace LlmFunctions.Cli.Batch;

/// <summary>Settings of the adaptive concurrency controller; the defaults are seed 001's.</summary>
public sealed record AimdOptions
{
    /// <summary>How many of the latest outcomes the error rate is computed over.</summary>
    public int Window { get; init; } = 50;

    /// <summary>Outcomes needed in the window before the error rate is acted on.</summary>
    public int MinSamples { get; init; } = 10;

    /// <summary>The lowest concurrency.</summary>
    public int Min { get; init; } = 1;

    /// <summary>The highest concurrency.</summary>
    public int Max { get; init; } = 8;

    /// <summary>The concurrency at the start.</summary>
    public int Initial { get; init; } = 2;

    /// <summary>An error rate above this halves the concurrency and pauses.</summary>
    public double DecreaseAbove { get; init; } = 0.5;

    /// <summary>An error rate below this adds one to the concurrency.</summary>
    public double IncreaseBelow { get; init; } = 0.2;

    /// <summary>How long nothing new starts after a decrease.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Returns null when the settings are consistent, else a message naming the option at fault.</summary>
    public string? Validate()
    {
        if (Window < 1)
        {
            return $"--window must be at least 1, was {Window}";
        }

        if (MinSamples < 1 || MinSamples > Window)
        {
            return $"--min-samples must be from 1 to --window ({Window}), was {MinSamples}";
        }

        if (Min < 1)
        {
            return $"--min must be at least 1, was {Min}";
        }

        if (Max < Min)
        {
            return $"--max must be at least --min ({Min}), was {Max}";
        }

        if (Initial < Min || Initial > Max)
        {
            return $"--initial must be from --min ({Min}) to --max ({Max}), was {Initial}";
        }

        if (DecreaseAbove is < 0 or > 1 || IncreaseBelow is < 0 or > 1 || IncreaseBelow > DecreaseAbove)
        {
            return $"--increase-below ({IncreaseBelow}) and --decrease-above ({DecreaseAbove}) must be rates from 0 to 1, increase-below not above decrease-above";
        }

        return Pause < TimeSpan.Zero ? $"--pause must not be negative, was {Pause.TotalSeconds} s" : null;
    }
}
