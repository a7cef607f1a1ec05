namespace LlmFunctions.Simulator;

/// <summary>A scenario file is malformed; the message names the offending field path.</summary>
public sealed class SimulatorScenarioException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SimulatorScenarioException()
    {
    }

    /// <summary>Creates the exception with a message such as <c>providers[3].faults[0].rate: must be between 0 and 1, was 1.5</c>.</summary>
    /// <param name="message">The message naming the field path.</param>
    public SimulatorScenarioException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">The message naming the field path.</param>
    /// <param name="innerException">The cause.</param>
    public SimulatorScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
