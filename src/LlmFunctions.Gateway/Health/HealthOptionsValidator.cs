using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Health;

/// <summary>Validates <see cref="HealthOptions"/>; every error names the setting, its allowed range and the value found.</summary>
public sealed partial class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    private const string Prefix = HealthOptions.SectionName + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (options.FailureThreshold is < 1 or > 1000)
        {
            errors.Add(Invariant($"{Prefix}{nameof(HealthOptions.FailureThreshold)} must be between 1 and 1000, was {options.FailureThreshold}"));
        }

        if (!(options.SuspectHangAfter is >= 0 and <= 1))
        {
            errors.Add(Invariant($"{Prefix}{nameof(HealthOptions.SuspectHangAfter)} must be between 0 and 1, was {options.SuspectHangAfter}"));
        }

        if (options.ShortBreaks is < 1 or > 100)
        {
            errors.Add(Invariant($"{Prefix}{nameof(HealthOptions.ShortBreaks)} must be between 1 and 100, was {options.ShortBreaks}"));
        }

        CheckRange(errors, nameof(HealthOptions.BreakDuration), options.BreakDuration, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckRange(errors, nameof(HealthOptions.MaxBreakDuration), options.MaxBreakDuration, options.BreakDuration, TimeSpan.FromDays(7));
        CheckRange(errors, nameof(HealthOptions.PermanentFailureCooldown), options.PermanentFailureCooldown, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        CheckRange(errors, nameof(HealthOptions.RateLimitCooldown), options.RateLimitCooldown, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        CheckRange(errors, nameof(HealthOptions.MaxRateLimitCooldown), options.MaxRateLimitCooldown, options.RateLimitCooldown, TimeSpan.FromDays(1));
        CheckRange(errors, nameof(HealthOptions.ProbeLease), options.ProbeLease, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        CheckRange(errors, nameof(HealthOptions.CacheRefreshInterval), options.CacheRefreshInterval, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        CheckRange(errors, nameof(HealthOptions.CounterFlushInterval), options.CounterFlushInterval, TimeSpan.Zero, TimeSpan.FromMinutes(1));

        if (options.TableName is null || !TableNamePattern().IsMatch(options.TableName))
        {
            errors.Add($"{Prefix}{nameof(HealthOptions.TableName)} must be 3 to 63 letters or digits starting with a letter, was '{options.TableName}'");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckRange(List<string> errors, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add(Invariant($"{Prefix}{setting} must be between {min:c} and {max:c}, was {value:c}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex TableNamePattern();
}
