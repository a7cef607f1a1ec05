namespace LlmFunctions.Simulator;

/// <summary>A random misbehaviour a provider shows on some calls.</summary>
public enum FaultKind
{
    /// <summary>Answer a given status (e.g. 503) with an error body.</summary>
    Status,

    /// <summary>HTTP 500 whose body says "Rate limit exceeded (429)", as some proxies do.</summary>
    RateLimitBody500,

    /// <summary>Hold the request open for a while, then answer 504.</summary>
    Hang,

    /// <summary>Abort the connection without an answer.</summary>
    Reset,

    /// <summary>HTTP 200 with a truncated, non-parseable JSON body.</summary>
    Malformed,

    /// <summary>HTTP 200 with an empty body.</summary>
    Empty,
}
