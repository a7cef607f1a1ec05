using LlmFunctions.Classification;

namespace LlmFunctions.Failover;

/// <summary>
/// Everything the policy decides from: the request, the candidates with health as last read, and the history so far.
/// Immutable and serializable, so a durable driver can persist it between steps.
/// </summary>
/// <param name="Request">The request.</param>
/// <param name="Candidates">One per configured provider and model; replace them with fresh health between steps.</param>
/// <param name="History">Every attempt, skip and wait so far, in order.</param>
public sealed record FailoverState(
    PromptRequest Request,
    IReadOnlyList<Candidate> Candidates,
    IReadOnlyList<HistoryEntry> History)
{
    /// <summary>Starts a request with an empty history.</summary>
    /// <param name="request">The request.</param>
    /// <param name="candidates">The candidates.</param>
    /// <returns>The initial state.</returns>
    public static FailoverState Start(PromptRequest request, IReadOnlyList<Candidate> candidates) =>
        new(request, candidates, []);

    /// <summary>Appends an event to the history.</summary>
    /// <param name="entry">The event.</param>
    /// <returns>The new state.</returns>
    public FailoverState Append(HistoryEntry entry) => this with { History = [.. History, entry] };

    /// <summary>Records a skip decision.</summary>
    /// <param name="skip">The decision.</param>
    /// <returns>The new state.</returns>
    public FailoverState Record(SkipProvider skip)
    {
        ArgumentNullException.ThrowIfNull(skip);
        return Append(new SkipRecord(skip.Key, skip.Reason, skip.Kind, skip.Until));
    }

    /// <summary>Records that the driver started the wait it was told to make.</summary>
    /// <param name="wait">The decision.</param>
    /// <returns>The new state.</returns>
    public FailoverState Record(WaitThenRetry wait)
    {
        ArgumentNullException.ThrowIfNull(wait);
        return Append(new WaitRecord(wait.Key, wait.Until, wait.Delay, wait.Reason));
    }

    /// <summary>Records what came of an attempt decision: the attempt with its outcome, or the skip its fresh health
    /// called for; either way the candidate's health is replaced by the one the report carries.</summary>
    /// <param name="attempt">The decision.</param>
    /// <param name="report">What came of it.</param>
    /// <returns>The new state.</returns>
    public FailoverState Record(AttemptProvider attempt, AttemptReport report)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(report);
        var next = report switch
        {
            { Blocked: { } skip } => Record(skip),
            { Outcome: { } outcome } => Record(attempt, report.StartedAt, report.FinishedAt, outcome),
            _ => throw new ArgumentException("A report carries an outcome or the reason no call was made.", nameof(report)),
        };
        return report.Health is { } health
            ? next with { Candidates = [.. next.Candidates.Select(c => c.Key == health.Key ? c with { Health = health } : c)] }
            : next;
    }

    /// <summary>Records an attempt made as decided.</summary>
    /// <param name="attempt">The decision.</param>
    /// <param name="startedAt">When the call started.</param>
    /// <param name="finishedAt">When the outcome was known.</param>
    /// <param name="outcome">The classified outcome.</param>
    /// <returns>The new state.</returns>
    public FailoverState Record(AttemptProvider attempt, DateTimeOffset startedAt, DateTimeOffset finishedAt, AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return Append(new AttemptRecord(
            attempt.Key, attempt.AttemptNumber, startedAt, finishedAt, attempt.WaitBefore, attempt.PromptChars, attempt.Truncated, outcome));
    }
}
