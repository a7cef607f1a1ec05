namespace LlmFunctions.Failover;

/// <summary>Why a provider was skipped.</summary>
public enum SkipKind
{
    /// <summary>Health says disabled (permanent error or operator).</summary>
    Disabled,

    /// <summary>Health says cooling down after a rate limit.</summary>
    CoolingDown,

    /// <summary>Health says the circuit is open.</summary>
    CircuitOpen,

    /// <summary>Another caller holds the recovery probe.</summary>
    ProbeInFlight,

    /// <summary>The prompt exceeds the provider's budget and another provider can take it (or truncation is off).</summary>
    OverBudget,

    /// <summary>The provider used all its attempts in this request.</summary>
    ExhaustedRetries,

    /// <summary>The next retry would not start before the request's deadline.</summary>
    RetryPastDeadline,

    /// <summary>The provider failed permanently in this request (auth, quota, not found).</summary>
    PermanentFailure,

    /// <summary>The provider rate-limited the request for longer than the short Retry-After threshold.</summary>
    RateLimitedLong,

    /// <summary>The provider refused the payload for its size.</summary>
    PayloadTooLarge,

    /// <summary>The provider answered with an unexpected status.</summary>
    UnexpectedError,

    /// <summary>The provider's API cannot honour a field of the request (e.g. tools on Cloudflare Workers AI).</summary>
    Unsupported,

    /// <summary>Calls in flight on this instance suggest the provider hangs (see <c>HangSuspicion</c>). Deferred, not
    /// done: the provider is tried after every other one, as a last resort that waits for the suspicion to clear or be
    /// confirmed before it calls. The skip's <c>Until</c> is when the provider last answered this instance, if ever:
    /// among deferred providers, the most recent is tried first.</summary>
    Suspect,

    /// <summary>Every slot of the provider on this instance is taken and its queue is full. Deferred, not done: the
    /// provider is tried after every other one, as a last resort that waits for a slot. The skip's <c>Until</c> is as
    /// for <see cref="Suspect"/>.</summary>
    Busy,
}
