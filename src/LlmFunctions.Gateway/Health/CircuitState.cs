namespace LlmFunctions.Health;

/// <summary>The circuit breaker's state for one provider and model.</summary>
public enum CircuitState
{
    /// <summary>Calls flow.</summary>
    Closed,

    /// <summary>Calls are blocked until the break ends.</summary>
    Open,

    /// <summary>One probe call at a time decides between Closed and Open.</summary>
    HalfOpen,
}
