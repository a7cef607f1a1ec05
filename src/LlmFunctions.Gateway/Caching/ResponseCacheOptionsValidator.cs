using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Caching;

/// <summary>Validates <see cref="ResponseCacheOptions"/>; every error names the setting, what it must be and the value
/// found.</summary>
public sealed partial class ResponseCacheOptionsValidator : IValidateOptions<ResponseCacheOptions>
{
    /// <summary>The smallest <see cref="ResponseCacheOptions.MaxEntryBytes"/>: 1 KiB.</summary>
    public const int MinEntryBytes = 1024;

    /// <summary>The largest <see cref="ResponseCacheOptions.MaxEntryBytes"/>: 4 MiB.</summary>
    public const int MaxEntryBytesLimit = 4 * 1024 * 1024;

    private const string Prefix = ResponseCacheOptions.SectionName + ":";

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ResponseCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (options.Container is null || !ContainerNamePattern().IsMatch(options.Container))
        {
            errors.Add($"{Prefix}{nameof(ResponseCacheOptions.Container)} must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit, was '{options.Container}'");
        }

        if (options.MaxEntryBytes is < MinEntryBytes or > MaxEntryBytesLimit)
        {
            errors.Add(Invariant($"{Prefix}{nameof(ResponseCacheOptions.MaxEntryBytes)} must be between {MinEntryBytes} and {MaxEntryBytesLimit}, was {options.MaxEntryBytes}"));
        }

        if (options.MaxTotalBytes < options.MaxEntryBytes)
        {
            errors.Add(Invariant($"{Prefix}{nameof(ResponseCacheOptions.MaxTotalBytes)} must be at least {Prefix}{nameof(ResponseCacheOptions.MaxEntryBytes)} ({options.MaxEntryBytes}), was {options.MaxTotalBytes}"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^(?=.{3,63}$)(?!.*--)[a-z0-9][a-z0-9-]*[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerNamePattern();
}
