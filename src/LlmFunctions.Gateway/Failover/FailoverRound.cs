namespace LlmFunctions.Failover;

/// <summary>
/// When a request ends without an answer while some providers were only blocked (cooling down, disabled, open, rate
/// limited with a retry time, or probed by another caller) until an instant before its deadline, a driver that can afford to wait may try those
/// providers again then, instead of failing. A probe held by another caller usually ends within one call, so it is
/// re-checked sooner.
/// </summary>
public static class FailoverRound
{
    /// <summary>Computes when another round is worth trying, or null when it is not (an answer, a caller error, or no
    /// block that ends before the request's deadline).</summary>
    /// <param name="state">The state the finish was decided from.</param>
    /// <param name="finish">The finish.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="probeRecheck">How soon to look again when a probe held by another caller is among the blocks.</param>
    /// <returns>The instant to start the next round, or null.</returns>
    public static DateTimeOffset? RetryAt(FailoverState state, Finish finish, DateTimeOffset now, TimeSpan probeRecheck)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(finish);
        if (finish.Kind is not (FinishKind.AllCoolingDown or FinishKind.Failed))
        {
            return null;
        }

        var deadline = state.Request.Deadline;
        var blocked = state.History.OfType<SkipRecord>().Where(s => IsBlocked(s, deadline)).ToList();
        if (blocked.Count == 0)
        {
            return null;
        }

        // A probe's lease is only its upper bound: the probe itself usually ends within one call.
        var at = blocked.Min(s => s.Kind == SkipKind.ProbeInFlight ? now + probeRecheck : s.Until!.Value);

        return at < deadline ? at : null;
    }

    /// <summary>Starts the next round: the blocks are forgotten, so those providers are considered again with the
    /// health read then, among them one that answered 429 with a retry time (while it has attempts left); attempts and
    /// every other skip stand (a provider that failed is not tried again). Every block read from the shared health is
    /// forgotten, even one that was to last past the deadline: an operator may have enabled or reset the provider
    /// meanwhile, and one still blocked is skipped again.</summary>
    /// <param name="state">The ended round's state.</param>
    /// <returns>The state of the next round.</returns>
    public static FailoverState Next(FailoverState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var deadline = state.Request.Deadline;
        return state with { History = [.. state.History.Where(e => e is not SkipRecord s || !(IsHealthBlock(s) || IsBlocked(s, deadline)))] };
    }

    private static bool IsHealthBlock(SkipRecord skip) =>
        skip.Kind is SkipKind.Disabled or SkipKind.CoolingDown or SkipKind.CircuitOpen or SkipKind.ProbeInFlight;

    private static bool IsBlocked(SkipRecord skip, DateTimeOffset deadline) =>
        skip.Kind == SkipKind.ProbeInFlight || (skip.IsTemporary && skip.Until is { } until && until < deadline);
}
