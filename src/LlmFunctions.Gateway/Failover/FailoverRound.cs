namespace LlmFunctions.Failover;

/// <summary>
/// When every candidate was blocked (cooling down, disabled, open, or probed by another caller) and nothing was
/// attempted, a driver that can afford to wait may try a fresh round once the earliest block ends, instead of
/// failing. A probe held by another caller usually ends within one call, so it is re-checked sooner.
/// </summary>
public static class FailoverRound
{
    /// <summary>Computes when a fresh round is worth trying, or null when it is not (no blocked finish, or the round
    /// would not start before the request's deadline).</summary>
    /// <param name="state">The state the finish was decided from.</param>
    /// <param name="finish">The finish.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="probeRecheck">How soon to look again when a probe held by another caller is among the blocks.</param>
    /// <returns>The instant to start the next round, or null.</returns>
    public static DateTimeOffset? RetryAt(FailoverState state, Finish finish, DateTimeOffset now, TimeSpan probeRecheck)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(finish);
        if (finish is not { Kind: FinishKind.AllCoolingDown, RetryAt: { } retryAt })
        {
            return null;
        }

        var probed = state.History.OfType<SkipRecord>().Any(s => s.Kind == SkipKind.ProbeInFlight);
        var at = probed && now + probeRecheck < retryAt ? now + probeRecheck : retryAt;
        return at < state.Request.Deadline ? at : null;
    }

    /// <summary>Starts a fresh round: the blocked round's skips are forgotten (it made no attempt), so every
    /// candidate is considered again with the health read then.</summary>
    /// <param name="state">The blocked round's state.</param>
    /// <returns>The state of the next round.</returns>
    public static FailoverState Next(FailoverState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state with { History = [] };
    }
}
