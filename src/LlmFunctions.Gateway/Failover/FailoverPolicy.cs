using System.Globalization;
using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Payload;
using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>
/// Decides a request's one next action from its state and the current instant. Pure: no I/O, no sleeping, no state;
/// the same state, instant and randomizer give the same decision, so a durable queue step and an in-process loop can
/// both drive it.
/// </summary>
/// <remarks>
/// Driver contract: re-read candidates' health, call <see cref="Decide"/>, then act and record via
/// <see cref="FailoverState"/>'s <c>Record</c> overloads: an attempt's outcome, a skip, or the wait before starting it
/// (so asking again at its end yields the retry instead of a newly jittered wait). Stop at a <see cref="Finish"/>.
/// </remarks>
public sealed class FailoverPolicy
{
    private readonly FailoverOptions options;
    private readonly Func<double> random;

    /// <summary>Initializes a new instance of the <see cref="FailoverPolicy"/> class.</summary>
    /// <param name="options">The validated options.</param>
    /// <param name="random">Returns a value in [0, 1) for backoff jitter (e.g. <c>Random.Shared.NextDouble</c>).</param>
    public FailoverPolicy(FailoverOptions options, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        this.options = options;
        this.random = random;
    }

    /// <summary>Decides the next action.</summary>
    /// <param name="state">The request, the candidates with health as last read, and the history so far.</param>
    /// <param name="now">The current instant, from the driver's TimeProvider.</param>
    /// <returns>One action: attempt, wait, skip or finish.</returns>
    public FailoverDecision Decide(FailoverState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var history = state.History;
        var last = history.Count > 0 ? history[^1] : null;

        if (last is AttemptRecord ended && FinishAfter(state, ended) is { } finish)
        {
            return finish;
        }

        if (now >= state.Request.Deadline)
        {
            return new Finish(
                FinishKind.DeadlineExceeded,
                Inv($"the deadline {state.Request.Deadline:O} passed after {history.OfType<AttemptRecord>().Count()} attempt(s)"),
                Reasons(history));
        }

        // A deferred provider goes to the end of the order; deferred twice (even as the last resort), it is done.
        // Among deferred providers, the one that answered this instance most recently comes first (the least evidence
        // of a hang), then the one deferred last (its calls in flight started after the others').
        var deferred = history.Select((entry, index) => (entry, index))
            .Where(e => e.entry is SkipRecord { IsDeferral: true })
            .GroupBy(e => e.entry.Key)
            .ToDictionary(g => g.Key, g => (Count: g.Count(), LastAnswer: ((SkipRecord)g.Last().entry).Until ?? DateTimeOffset.MinValue, Index: g.Last().index));
        var deferrals = deferred.ToDictionary(d => d.Key, d => d.Value.Count);
        var ordered = Order(state, now)
            .OrderBy(c => deferred.ContainsKey(c.Key))
            .ThenByDescending(c => deferred.TryGetValue(c.Key, out var d) ? d.LastAnswer : DateTimeOffset.MaxValue)
            .ThenByDescending(c => deferred.TryGetValue(c.Key, out var d) ? d.Index : int.MaxValue)
            .ToList();
        var skipped = history.OfType<SkipRecord>().Where(s => !s.IsDeferral || deferrals[s.Key] > 1).Select(s => s.Key).ToHashSet();

        // The provider of the last attempt or wait is still in play until a skip closes it.
        if (last is AttemptRecord or WaitRecord && !skipped.Contains(last.Key)
            && ordered.FirstOrDefault(c => c.Key == last.Key) is { } current)
        {
            return Continue(state, current, last, now);
        }

        // A provider that failed stays closed. One that only said "later" (429 with a retry time) and whose block a new
        // round forgot is open again once that time has come, while it has attempts left.
        var closed = history.OfType<AttemptRecord>().GroupBy(a => a.Key)
            .Where(g => !(g.Last().Outcome is { Class: ErrorClass.RateLimited, RetryAt: { } retryAt } && retryAt <= now && g.Count() < options.MaxAttemptsPerProvider))
            .Select(g => g.Key)
            .ToHashSet();
        var open = ordered.Where(c => !skipped.Contains(c.Key) && !closed.Contains(c.Key)).ToList();
        if (open.Count == 0)
        {
            return Conclude(state);
        }

        // Deferred providers are ordered last: one that comes first has every other provider done or deferred.
        var next = Begin(state, open, now);
        return next is AttemptProvider attempt && deferrals.ContainsKey(attempt.Key) ? attempt with { LastResort = true } : next;
    }

    private static Finish? FinishAfter(FailoverState state, AttemptRecord attempt) => attempt.Outcome switch
    {
        { Class: ErrorClass.Success } => new Finish(
            FinishKind.Succeeded, Inv($"{attempt.Key} answered on attempt {attempt.AttemptNumber}"), Reasons(state.History))
        {
            Winner = attempt,
        },
        { Class: ErrorClass.Cancelled } => new Finish(FinishKind.Cancelled, "cancelled by caller", Reasons(state.History))
        {
            LastAttempt = attempt,
        },
        { Class: ErrorClass.RequestRejected, PayloadTooLarge: false } => new Finish(
            FinishKind.Rejected, Inv($"{attempt.Key} rejected the request: {attempt.Outcome.Reason}"), Reasons(state.History))
        {
            LastAttempt = attempt,
            HttpStatus = attempt.Outcome.HttpStatus,
            BodyExcerpt = attempt.Outcome.BodyExcerpt,
        },
        _ => null,
    };

    private List<Candidate> Order(FailoverState state, DateTimeOffset now) =>
        CandidateOrder.Order(state.Candidates, state.Request.ProviderHints ?? [], state.Request.Spreading ?? options.SpreadingStrategy, now, random);

    private FailoverDecision Continue(FailoverState state, Candidate candidate, HistoryEntry last, DateTimeOffset now)
    {
        if (last is WaitRecord wait)
        {
            if (now < wait.Until)
            {
                return new WaitThenRetry(candidate.Key, wait.Until, wait.Until - now, wait.Reason);
            }

            var next = state.History.OfType<AttemptRecord>().Count(a => a.Key == candidate.Key) + 1;
            return Retry(state, candidate, next, wait.Delay, now);
        }

        var attempt = (AttemptRecord)last;
        var n = attempt.AttemptNumber;
        var outcome = attempt.Outcome;
        var key = candidate.Key;
        switch (outcome.Class)
        {
            case ErrorClass.Transient or ErrorClass.MalformedResponse:
                if (n >= options.MaxAttemptsPerProvider)
                {
                    return Exhausted(key, n, outcome);
                }

                var availability = candidate.Health.AvailabilityAt(now);
                if (!availability.CanCall)
                {
                    return Blocked(key, availability);
                }

                var delay = Backoff.Delay(n, options.BaseDelay, options.MaxDelay, random);
                return Wait(state, key, now + delay, now, Inv($"backoff after attempt {n}: {outcome.Reason}"));

            case ErrorClass.RateLimited:
                if (outcome.RetryAt is not { } retryAt)
                {
                    return new SkipProvider(key, Inv($"rate limited without a retry time: {outcome.Reason}"), SkipKind.RateLimitedLong);
                }

                if (retryAt - now > options.ShortRetryAfterThreshold)
                {
                    return new SkipProvider(key, Inv($"rate limited until {retryAt:O}: {outcome.Reason}"), SkipKind.RateLimitedLong, retryAt);
                }

                if (n >= options.MaxAttemptsPerProvider)
                {
                    return Exhausted(key, n, outcome);
                }

                return retryAt <= now
                    ? Retry(state, candidate, n + 1, TimeSpan.Zero, now)
                    : Wait(state, key, retryAt, now, Inv($"retry-after on attempt {n}: {outcome.Reason}"));

            case ErrorClass.AuthFailed or ErrorClass.QuotaExhausted or ErrorClass.NotFound:
                return new SkipProvider(key, Inv($"{outcome.Class}: {outcome.Reason}"), SkipKind.PermanentFailure);

            case ErrorClass.RequestRejected:
                return new SkipProvider(key, Inv($"refused the payload for its size: {outcome.Reason}"), SkipKind.PayloadTooLarge);

            default:
                return new SkipProvider(key, Inv($"{outcome.Class}: {outcome.Reason}"), SkipKind.UnexpectedError);
        }
    }

    private static SkipProvider Exhausted(ProviderKey key, int attempts, AttemptOutcome outcome) =>
        new(key, Inv($"{attempts} attempt(s) failed; last: {outcome.Class} {outcome.Reason}"), SkipKind.ExhaustedRetries);

    private static FailoverDecision Wait(FailoverState state, ProviderKey key, DateTimeOffset until, DateTimeOffset now, string reason) =>
        until >= state.Request.Deadline
            ? new SkipProvider(key, Inv($"the retry at {until:O} would not start before the deadline {state.Request.Deadline:O} ({reason})"), SkipKind.RetryPastDeadline)
            : new WaitThenRetry(key, until, until - now, reason);

    private static FailoverDecision Retry(FailoverState state, Candidate candidate, int attemptNumber, TimeSpan waited, DateTimeOffset now)
    {
        var availability = candidate.Health.AvailabilityAt(now);
        if (!availability.CanCall)
        {
            return Blocked(candidate.Key, availability);
        }

        // The first attempt fitted this same budget, so a retry sends the same messages.
        var fitted = PromptTruncator.Truncate(state.Request.Messages, candidate.MaxPromptChars);
        return fitted.Fits
            ? Attempt(candidate, attemptNumber, availability, fitted, waited)
            : OverBudget(candidate, fitted.OriginalChars, fitted.FailureReason);
    }

    private static FailoverDecision Begin(FailoverState state, List<Candidate> open, DateTimeOffset now)
    {
        var candidate = open[0];
        if (Unsupported(candidate, state.Request) is { } unsupported)
        {
            return unsupported;
        }

        var availability = candidate.Health.AvailabilityAt(now);
        if (!availability.CanCall)
        {
            return Blocked(candidate.Key, availability);
        }

        var messages = state.Request.Messages;
        var chars = PayloadBudget.PromptChars(messages);
        if (chars <= candidate.MaxPromptChars)
        {
            return Attempt(candidate, NextAttempt(state, candidate), availability, new TruncationResult(true, messages, false, chars, chars), TimeSpan.Zero);
        }

        var callable = open.Where(c => c.Health.AvailabilityAt(now).CanCall).ToList();
        var whole = callable.FirstOrDefault(c => c.MaxPromptChars >= chars);
        if (whole is not null)
        {
            return OverBudget(candidate, chars, Inv($"{whole.Key} can take it whole"));
        }

        if (!state.Request.AllowTruncation)
        {
            return OverBudget(candidate, chars, null);
        }

        // Truncate as little as possible: to the largest budget among the providers still callable.
        var largest = callable.MaxBy(c => c.MaxPromptChars)!;
        if (candidate.MaxPromptChars < largest.MaxPromptChars)
        {
            return OverBudget(candidate, chars, Inv($"truncating to the larger budget of {largest.Key} instead"));
        }

        var fitted = PromptTruncator.Truncate(messages, candidate.MaxPromptChars);
        return fitted.Fits
            ? Attempt(candidate, NextAttempt(state, candidate), availability, fitted, TimeSpan.Zero)
            : OverBudget(candidate, chars, fitted.FailureReason);
    }

    /// <summary>The skip for a provider whose API cannot honour a field of the request, or null.</summary>
    private static SkipProvider? Unsupported(Candidate candidate, PromptRequest request) =>
        candidate.Kind == ProviderKind.CloudflareWorkersAi && CloudflareTranslation.CannotHonour(request.Messages, request.Parameters) is { } field
            ? new SkipProvider(candidate.Key, Inv($"{field.Reason} ({field.Field}); skipped for this request"), SkipKind.Unsupported)
            : null;

    private static int NextAttempt(FailoverState state, Candidate candidate) =>
        state.History.OfType<AttemptRecord>().Count(a => a.Key == candidate.Key) + 1;

    private static AttemptProvider Attempt(
        Candidate candidate, int attemptNumber, ProviderAvailability availability, TruncationResult fitted, TimeSpan waited) =>
        new(
            candidate.Key,
            attemptNumber,
            availability.Kind == AvailabilityKind.ProbeAvailable,
            fitted.Messages,
            fitted.Truncated,
            fitted.NewChars,
            fitted.OriginalChars,
            waited);

    /// <summary>The skip for a provider its health does not let anyone call now.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="availability">Its availability, which must not allow a call.</param>
    /// <returns>The skip, with the instant the block ends.</returns>
    public static SkipProvider Blocked(ProviderKey key, ProviderAvailability availability)
    {
        ArgumentNullException.ThrowIfNull(availability);
        var kind = availability.Kind switch
        {
            AvailabilityKind.Disabled => SkipKind.Disabled,
            AvailabilityKind.CoolingDown => SkipKind.CoolingDown,
            AvailabilityKind.CircuitOpen => SkipKind.CircuitOpen,
            _ => SkipKind.ProbeInFlight,
        };
        return new SkipProvider(key, availability.Reason, kind, availability.Until);
    }

    private static SkipProvider OverBudget(Candidate candidate, int chars, string? detail) =>
        new(
            candidate.Key,
            Inv($"prompt is {PayloadBudget.Format(chars)} characters; the budget is {PayloadBudget.Format(candidate.MaxPromptChars)} ({candidate.BudgetSettingName})")
                + (detail is null ? string.Empty : "; " + detail),
            SkipKind.OverBudget);

    private static Finish Conclude(FailoverState state)
    {
        var history = state.History;
        var reasons = Reasons(history);
        if (state.Candidates.Count == 0)
        {
            return new Finish(FinishKind.Failed, "no providers are configured", reasons);
        }

        var skips = history.OfType<SkipRecord>().Where(s => !s.IsDeferral).ToList();
        if (skips.Count > 0 && skips.All(s => s.Kind == SkipKind.Unsupported) && !history.OfType<AttemptRecord>().Any())
        {
            return new Finish(FinishKind.Rejected, "no provider can honour the request: " + skips[0].Reason, reasons);
        }

        var chars = PayloadBudget.PromptChars(state.Request.Messages);
        var budgets = state.Candidates.ToDictionary(c => c.Key, c => c.MaxPromptChars);

        // A provider that answered 429 with a retry time, or whose retry after a failure met its cooldown, is cooling
        // down as surely as one skipped for its cooldown: when every provider is so, the caller is told when to come
        // back (503), not that every provider failed (502, for exhausted retries or a permanent failure).
        var skipped = skips.Select(s => s.Key).ToHashSet();

        // An attempted provider with no skip left (a new round forgot its block) is back at its last 429's retry time.
        var unskipped = history.OfType<AttemptRecord>().Where(a => !skipped.Contains(a.Key))
            .GroupBy(a => a.Key).Select(g => g.Last().Outcome).ToList();
        if (skips.Count + unskipped.Count > 0
            && skips.All(s => s.IsTemporary || s.Kind is SkipKind.OverBudget or SkipKind.Unsupported)
            && unskipped.All(o => o is { Class: ErrorClass.RateLimited, RetryAt: not null }))
        {
            // Waiting helps only if a blocked provider could take the prompt once it recovers (an attempted one did).
            var earliest = skips
                .Where(s => s.IsTemporary && s.Until is not null)
                .Where(s => state.Request.AllowTruncation || budgets.GetValueOrDefault(s.Key) >= chars)
                .Select(s => s.Until)
                .Concat(unskipped.Select(o => o.RetryAt))
                .Min();
            if (earliest is { } retryAt)
            {
                return new Finish(
                    FinishKind.AllCoolingDown,
                    Inv($"every provider is disabled, cooling down or open; the earliest is available at {retryAt:O}"),
                    reasons)
                {
                    RetryAt = retryAt,
                };
            }
        }

        // Too large everywhere: every provider was over budget, refused the size, or is blocked but too small anyway.
        bool IsSize(SkipRecord s) => s.Kind is SkipKind.OverBudget or SkipKind.PayloadTooLarge;
        if (skips.Any(IsSize) && skips.All(s => IsSize(s) || (IsBlocked(s.Kind) && budgets.GetValueOrDefault(s.Key) < chars)))
        {
            return new Finish(FinishKind.PayloadTooLarge, PayloadTooLargeSummary(state, chars), reasons);
        }

        return new Finish(
            FinishKind.Failed,
            Inv($"no provider could serve the request: {history.OfType<AttemptRecord>().Count()} attempt(s), {skips.Count} skip(s)"),
            reasons);
    }

    private static string PayloadTooLargeSummary(FailoverState state, int chars)
    {
        var largest = state.Candidates.MaxBy(c => c.MaxPromptChars)!;
        var summary = Inv($"prompt is {PayloadBudget.Format(chars)} characters; the largest provider budget is {PayloadBudget.Format(largest.MaxPromptChars)} ({largest.BudgetSettingName})");
        if (state.Request.AllowTruncation
            && PromptTruncator.Truncate(state.Request.Messages, largest.MaxPromptChars).FailureReason is { } why)
        {
            summary += "; " + why;
        }

        return summary;
    }

    private static bool IsBlocked(SkipKind kind) =>
        kind is SkipKind.Disabled or SkipKind.CoolingDown or SkipKind.CircuitOpen or SkipKind.ProbeInFlight;

    private static List<string> Reasons(IReadOnlyList<HistoryEntry> history) =>
        [.. history.Select(e => e switch
        {
            AttemptRecord a => Inv($"{a.Key} attempt {a.AttemptNumber}: {a.Outcome.Class} {a.Outcome.Reason}"),
            SkipRecord s => Inv($"{s.Key} skipped ({s.Kind}): {s.Reason}"),
            _ => null,
        }).OfType<string>()];

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
