namespace LlmFunctions.Alerts;

/// <summary>
/// Settings of the error tracker and its alerts (seed 000), bound from <c>LlmFunctions:Alerts</c> and checked by
/// <see cref="AlertOptionsValidator"/> at start-up.
/// </summary>
public sealed class AlertOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "LlmFunctions:Alerts";

    /// <summary>Gets or sets the webhook alerts are posted to as <c>{"text": …}</c> (Slack and Teams incoming
    /// webhooks accept it). Absolute http(s) URL; alerts go to the log only when unset.</summary>
    /// <value>The default value is null.</value>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Gets or sets the table holding the shared error counts and the raised alerts. 3 to 63 letters or digits, starting with a letter.</summary>
    /// <value>The default value is <c>Alerts</c>.</value>
    public string TableName { get; set; } = "Alerts";

    /// <summary>Gets or sets how many errors of one class within <see cref="ClassWindow"/> raise an alert. 1 to 10000.</summary>
    /// <value>The default value is 5.</value>
    public int ClassThreshold { get; set; } = 5;

    /// <summary>Gets or sets the window of <see cref="ClassThreshold"/>; an alert of this rule and class is raised at most once per window. 1 minute to 1 day.</summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan ClassWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how many errors of one provider and model within <see cref="ModelWindow"/> raise an alert. 1 to 10000.</summary>
    /// <value>The default value is 3.</value>
    public int ModelThreshold { get; set; } = 3;

    /// <summary>Gets or sets the window of <see cref="ModelThreshold"/>; an alert of this rule and model is raised at most once per window. 1 minute to 1 day.</summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan ModelWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how often the "every provider is unavailable" alert may repeat while the outage lasts. 1 minute to 1 day.</summary>
    /// <value>The default value is 10 minutes.</value>
    public TimeSpan AllUnavailableRepeat { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how many times a webhook delivery is tried before the alert is given up (it stays in the log and the table). 1 to 20.</summary>
    /// <value>The default value is 5.</value>
    public int DeliveryAttempts { get; set; } = 5;

    /// <summary>Gets or sets the first wait between webhook tries; it doubles after each failure. 100 ms to 5 minutes.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan DeliveryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);
}
