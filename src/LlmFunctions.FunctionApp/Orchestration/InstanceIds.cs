using System.Globalization;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>Instance ids as Durable Functions allows them: 1 to 256 characters, none of <c>/ \ # ?</c> nor control
/// characters (they are Table Storage partition keys).</summary>
internal static class InstanceIds
{
    public const int MaxLength = 256;

    public static string New() => Guid.NewGuid().ToString("N");

    /// <summary>Returns null when valid, else a message naming the field and the rule.</summary>
    public static string? Validate(string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            return $"{field} must be 1 to {MaxLength} characters, was empty";
        }

        if (id.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{field} must be 1 to {MaxLength} characters, was {id.Length}");
        }

        return !id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)) ? null : $"{field} must not contain '/', '\\', '#', '?' or control characters";
    }
}
