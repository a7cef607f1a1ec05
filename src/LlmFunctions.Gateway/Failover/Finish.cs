namespace LlmFunctions.Failover;

/// <summary>The request is over.</summary>
/// <param name="Kind">How it ended.</param>
/// <param name="Summary">One line for the caller (e.g. the error message of a 503).</param>
/// <param name="Reasons">Every attempt's and skip's reason, in order.</param>
public sealed record Finish(FinishKind Kind, string Summary, IReadOnlyList<string> Reasons) : FailoverDecision
{
    /// <summary>Gets the winning attempt, when <see cref="FinishKind.Succeeded"/>.</summary>
    public AttemptRecord? Winner { get; init; }

    /// <summary>Gets the rejecting or cancelled attempt, when <see cref="FinishKind.Rejected"/> or
    /// <see cref="FinishKind.Cancelled"/>.</summary>
    public AttemptRecord? LastAttempt { get; init; }

    /// <summary>Gets the earliest instant a candidate becomes available, when <see cref="FinishKind.AllCoolingDown"/>
    /// (for a 503's Retry-After).</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>Gets the HTTP status to pass on, when <see cref="FinishKind.Rejected"/>.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Gets the provider's redacted body excerpt, when <see cref="FinishKind.Rejected"/>.</summary>
    public string? BodyExcerpt { get; init; }
}
