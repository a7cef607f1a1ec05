namespace LlmFunctions.Alerts;

/// <summary>How urgent an alert is.</summary>
public enum AlertSeverity
{
    /// <summary>Errors pile up: look soon.</summary>
    Warning,

    /// <summary>Requests fail or a provider is gone: look now.</summary>
    Critical,
}

/// <summary>One raised alert.</summary>
/// <param name="Rule">The rule: <c>all_unavailable</c>, <c>provider_disabled</c>, <c>error_class</c> or <c>model_errors</c>.</param>
/// <param name="Subject">What it is about: a provider/model, an error class, or <c>*</c>.</param>
/// <param name="Severity">How urgent.</param>
/// <param name="Message">The text sent to the webhook and the log (secret-free: built from classified reasons).</param>
/// <param name="RaisedAt">When it was raised.</param>
public sealed record Alert(string Rule, string Subject, AlertSeverity Severity, string Message, DateTimeOffset RaisedAt);
