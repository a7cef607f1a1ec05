namespace LlmFunctions.Simulator;

/// <summary>A provider that flaps: up for <see cref="UpSeconds"/>, then answering <see cref="Status"/> to every call for
/// <see cref="DownSeconds"/>, over and over, starting up at its first call.</summary>
public sealed class FlapSpec
{
    internal FlapSpec()
    {
    }

    /// <summary>The unscaled seconds of each healthy phase.</summary>
    public double UpSeconds { get; internal init; }

    /// <summary>The unscaled seconds of each outage.</summary>
    public double DownSeconds { get; internal init; }

    /// <summary>The status answered during an outage (default 503).</summary>
    public int Status { get; internal init; } = 503;
}
