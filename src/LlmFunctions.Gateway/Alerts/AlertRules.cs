using LlmFunctions.Health;

namespace LlmFunctions.Alerts;

/// <summary>An alert a health change may raise: at once (<see cref="Threshold"/> 1 and no count), or once
/// <see cref="Threshold"/> errors of the same <see cref="Rule"/> and <see cref="Subject"/> fall within
/// <see cref="Window"/>. Once raised, the same rule and subject stay quiet until <see cref="QuietUntil"/>.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Subject">What it is about.</param>
/// <param name="Severity">How urgent.</param>
/// <param name="Threshold">Errors needed within <see cref="Window"/>; 1 raises at once.</param>
/// <param name="Window">The counting window (unused when <see cref="Threshold"/> is 1).</param>
/// <param name="QuietUntil">Until when a raised alert of this rule and subject is not raised again.</param>
/// <param name="Message">The alert's text, given the number of errors counted.</param>
public sealed record AlertCandidate(string Rule, string Subject, AlertSeverity Severity, int Threshold, TimeSpan Window, DateTimeOffset QuietUntil, Func<int, string> Message);

/// <summary>
/// The alert rules of seed 000, as a pure function of one health change: critical at once when a provider is disabled
/// by a 401/402/403/404 (once per disable) and when every provider is unavailable; a warning for
/// <see cref="AlertOptions.ClassThreshold"/> errors of one class in <see cref="AlertOptions.ClassWindow"/>, and for
/// <see cref="AlertOptions.ModelThreshold"/> errors of one provider and model in <see cref="AlertOptions.ModelWindow"/>.
/// </summary>
public static class AlertRules
{
    /// <summary>The rule: every provider is unavailable.</summary>
    public const string AllUnavailable = "all_unavailable";

    /// <summary>The rule: a provider was disabled by a permanent error.</summary>
    public const string ProviderDisabled = "provider_disabled";

    /// <summary>The rule: errors of one class.</summary>
    public const string ErrorClassRule = "error_class";

    /// <summary>The rule: errors of one provider and model.</summary>
    public const string ModelErrors = "model_errors";

    /// <summary>The candidates one health change raises.</summary>
    /// <param name="change">The change, as written to the shared health.</param>
    /// <param name="everyProviderUnavailable">Whether, after it, no provider can be called.</param>
    /// <param name="options">The thresholds.</param>
    /// <returns>The candidates, possibly none.</returns>
    public static IReadOnlyList<AlertCandidate> Evaluate(HealthChange change, bool everyProviderUnavailable, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(options);
        var now = change.At;
        var candidates = new List<AlertCandidate>();
        var current = change.Current;
        var subject = $"{change.Key.Provider}/{change.Key.Model}";
        var failed = current.FailureCount > change.Previous.FailureCount;
        if (failed && change.Transition == HealthTransition.Disabled && current.LastStatus is 401 or 402 or 403 or 404 && current.DisabledUntil is { } until)
        {
            candidates.Add(new(ProviderDisabled, subject, AlertSeverity.Critical, 1, TimeSpan.Zero, until,
                _ => $"{subject} disabled until {until:u} after HTTP {current.LastStatus}: {current.DisabledReason}"));
        }

        if (failed)
        {
            var errorClass = current.LastErrorClass ?? "Unexpected";
            candidates.Add(new(ErrorClassRule, errorClass, AlertSeverity.Warning, options.ClassThreshold, options.ClassWindow, now + options.ClassWindow,
                n => $"{n} {errorClass} errors in the last {options.ClassWindow.TotalMinutes:0.#} minutes (latest: {subject}, HTTP {current.LastStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})"));
            candidates.Add(new(ModelErrors, subject, AlertSeverity.Warning, options.ModelThreshold, options.ModelWindow, now + options.ModelWindow,
                n => $"{n} errors of {subject} in the last {options.ModelWindow.TotalMinutes:0.#} minutes (latest: {errorClass}, HTTP {current.LastStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})"));
        }

        if (everyProviderUnavailable && !current.AvailabilityAt(now).CanCall)
        {
            candidates.Add(new(AllUnavailable, "*", AlertSeverity.Critical, 1, TimeSpan.Zero, now + options.AllUnavailableRepeat,
                _ => $"Every provider is unavailable (latest: {subject}: {current.AvailabilityAt(now).Reason})"));
        }

        return candidates;
    }
}
