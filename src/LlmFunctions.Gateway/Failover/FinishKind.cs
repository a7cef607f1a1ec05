namespace LlmFunctions.Failover;

/// <summary>How a request ended.</summary>
public enum FinishKind
{
    /// <summary>A provider answered.</summary>
    Succeeded,

    /// <summary>Every candidate was tried or skipped without success.</summary>
    Failed,

    /// <summary>A provider rejected the request itself (the caller's error, not a size problem).</summary>
    Rejected,

    /// <summary>No candidate's budget can take the prompt, and truncation was not allowed or cannot help.</summary>
    PayloadTooLarge,

    /// <summary>Every candidate was blocked by cooldown, disable, circuit or probe; retry after the given instant.</summary>
    AllCoolingDown,

    /// <summary>The request's deadline passed.</summary>
    DeadlineExceeded,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}
