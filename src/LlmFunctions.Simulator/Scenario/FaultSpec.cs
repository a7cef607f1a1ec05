namespace LlmFunctions.Simulator;

/// <summary>One fault, rolled per call with probability <see cref="Rate"/>.</summary>
public sealed class FaultSpec
{
    internal FaultSpec()
    {
    }

    /// <summary>What happens when the fault fires.</summary>
    public FaultKind Kind { get; internal init; }

    /// <summary>The per-call probability, between 0 and 1.</summary>
    public double Rate { get; internal init; }

    /// <summary>The status answered by a <see cref="FaultKind.Status"/> fault (default 503).</summary>
    public int Status { get; internal init; } = 503;

    /// <summary>How long a <see cref="FaultKind.Hang"/> fault holds the request, in unscaled milliseconds (default 120000).</summary>
    public double Ms { get; internal init; } = 120_000;
}
