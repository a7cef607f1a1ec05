namespace LlmFunctions.Classification;

/// <summary>The class of one attempt's outcome. Every outcome has exactly one class.</summary>
public enum ErrorClass
{
    /// <summary>2xx with a parsed completion.</summary>
    Success,

    /// <summary>429, or a 5xx whose body reports a rate limit. Cool the provider down.</summary>
    RateLimited,

    /// <summary>5xx, 408, timeouts and network errors. Retry the same provider with backoff.</summary>
    Transient,

    /// <summary>2xx with an empty or unparseable body. Transient for that provider.</summary>
    MalformedResponse,

    /// <summary>401, 403, 407. Permanent for the provider: disable it.</summary>
    AuthFailed,

    /// <summary>402. Permanent for the provider: disable it.</summary>
    QuotaExhausted,

    /// <summary>404, 405, 410, 501, 3xx. The model or endpoint does not exist: disable the provider.</summary>
    NotFound,

    /// <summary>400, 413, 414, 422, 431. The payload was refused, not the provider.</summary>
    RequestRejected,

    /// <summary>The caller cancelled. Never counts against a provider.</summary>
    Cancelled,

    /// <summary>Any other status. Move to the next provider; counts as a circuit failure.</summary>
    Unexpected,
}
