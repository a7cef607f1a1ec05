using System.Globalization;
using LlmFunctions.Classification;

namespace LlmFunctions.Health;

/// <summary>
/// Decides whether a provider whose circuit is closed should be treated as suspect of hanging: new requests go to
/// other providers first, and call it only when they have nothing else. Pure: the health, the calls in flight on this
/// instance and the instant are passed in.
/// </summary>
/// <remarks>
/// A hang is only counted as a failure when its timeout fires; until then every new request would join it. Two rules
/// stop that:
/// <list type="bullet">
/// <item>Count: the failures in a row plus the calls in flight with no answer since they started must stay below the
/// failure threshold. So a provider that starts hanging receives at most <see cref="HealthOptions.FailureThreshold"/>
/// calls from this instance before its circuit opens: the calls in flight will decide. A healthy provider answers,
/// and each answer clears the count, so under steady load it never binds; under a cold burst it admits the threshold
/// at once and more as answers come (like a TCP slow start).</item>
/// <item>Age: a call in flight for <see cref="HealthOptions.SuspectHangAfter"/> of the attempt timeout with no answer
/// since it started makes the provider suspect until an answer comes.</item>
/// </list>
/// Across instances the bound is the failure threshold per instance before the first timeouts land; the failures are
/// counted in the shared row, so once the threshold of them has landed from any instances the circuit opens for all.
/// </remarks>
public static class HangSuspicion
{
    /// <summary>Gives the reason a provider is suspect, or null when it is not.</summary>
    /// <param name="health">The provider's current health; only a closed circuit that needs no probe is judged (a
    /// probe is single-flight already).</param>
    /// <param name="calls">Its calls in flight on this instance.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="attemptTimeout">The provider's attempt timeout.</param>
    /// <param name="options">The health settings.</param>
    /// <returns>Why it is suspect, or null.</returns>
    public static string? Reason(ProviderHealth health, InFlightSnapshot calls, DateTimeOffset now, TimeSpan attemptTimeout, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SuspectHangAfter <= 0 || calls.Unanswered == 0 || health.NeedsProbe)
        {
            return null;
        }

        if (health.ConsecutiveFailures + calls.Unanswered >= options.FailureThreshold)
        {
            return Inv($"suspect of hanging: {calls.Unanswered} call(s) in flight with no answer since they started and {health.ConsecutiveFailures} failure(s) in a row reach the failure threshold of {options.FailureThreshold}");
        }

        var after = attemptTimeout * options.SuspectHangAfter;
        if (calls.OldestUnansweredStart is { } oldest && now - oldest >= after)
        {
            return Inv($"suspect of hanging: a call has been in flight for {ErrorClassifier.FormatDuration(now - oldest)} with no answer since it started (suspect after {ErrorClassifier.FormatDuration(after)})");
        }

        return null;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
