using Microsoft.Extensions.Options;

namespace LlmFunctions.Alerts;

/// <summary>Checks <see cref="AlertOptions"/> at start-up, naming each bad setting.</summary>
public sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string P = AlertOptions.SectionName + ":";
        if (options.WebhookUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
        {
            errors.Add($"{P}WebhookUrl must be an absolute http(s) URL");
        }

        if (options.TableName is not { Length: >= 3 and <= 63 } table || !char.IsAsciiLetter(table[0]) || !table.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{P}TableName must be 3 to 63 letters or digits starting with a letter, was '{options.TableName}'");
        }

        Range(errors, P + "ClassThreshold", options.ClassThreshold, 1, 10_000);
        Range(errors, P + "ModelThreshold", options.ModelThreshold, 1, 10_000);
        Range(errors, P + "DeliveryAttempts", options.DeliveryAttempts, 1, 20);
        Range(errors, P + "ClassWindow", options.ClassWindow, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1));
        Range(errors, P + "ModelWindow", options.ModelWindow, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1));
        Range(errors, P + "AllUnavailableRepeat", options.AllUnavailableRepeat, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1));
        Range(errors, P + "DeliveryBaseDelay", options.DeliveryBaseDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range<T>(List<string> errors, string setting, T value, T min, T max)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            errors.Add($"{setting} must be from {min} to {max}, was {value}");
        }
    }
}
