using System.Globalization;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Failover;

/// <summary>Validates <see cref="FailoverOptions"/>; every error names the setting and the value it had.</summary>
public sealed class FailoverOptionsValidator : IValidateOptions<FailoverOptions>
{
    private static readonly TimeSpan LongestDelay = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LongestDeadline = TimeSpan.FromHours(1);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FailoverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string S = FailoverOptions.SectionName;

        if (options.MaxAttemptsPerProvider is < 1 or > 20)
        {
            errors.Add(Invariant($"{S}:MaxAttemptsPerProvider must be between 1 and 20, was {options.MaxAttemptsPerProvider}"));
        }

        Range(errors, $"{S}:BaseDelay", options.BaseDelay, TimeSpan.FromMilliseconds(1), LongestDelay);
        Range(errors, $"{S}:MaxDelay", options.MaxDelay, TimeSpan.FromMilliseconds(1), LongestDelay);
        if (options.MaxDelay < options.BaseDelay)
        {
            errors.Add(Invariant($"{S}:MaxDelay ({options.MaxDelay}) must not be less than {S}:BaseDelay ({options.BaseDelay})"));
        }

        Range(errors, $"{S}:ShortRetryAfterThreshold", options.ShortRetryAfterThreshold, TimeSpan.Zero, LongestDelay);
        Range(errors, $"{S}:TotalDeadline", options.TotalDeadline, TimeSpan.FromSeconds(1), LongestDeadline);
        Range(errors, $"{S}:MaxRequestDeadline", options.MaxRequestDeadline, TimeSpan.FromSeconds(1), LongestDeadline);
        if (options.MaxRequestDeadline < options.TotalDeadline)
        {
            errors.Add(Invariant($"{S}:MaxRequestDeadline ({options.MaxRequestDeadline}) must not be less than {S}:TotalDeadline ({options.TotalDeadline})"));
        }

        if (CandidateOrder.Parse(options.Spreading) is null)
        {
            errors.Add(Invariant($"{S}:Spreading must be one of {string.Join(", ", CandidateOrder.Names)}, was '{options.Spreading}'"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add(Invariant($"{setting} must be between {min} and {max}, was {value}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
