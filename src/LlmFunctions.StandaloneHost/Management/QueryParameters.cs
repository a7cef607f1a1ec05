using System.Globalization;
using DurableTask.Core;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>A request value that could not be used; becomes a 400 naming <see cref="ParameterName"/>.</summary>
internal sealed class BadParameterException(string parameterName, string message) : Exception(message)
{
    public string ParameterName { get; } = parameterName;
}

/// <summary>
/// Reads the management API's query parameters. Unlike the Functions host, which silently ignores a value it cannot
/// parse, a value that is present but invalid is a 400 naming the parameter; absent values take the host's defaults.
/// </summary>
internal static class QueryParameters
{
    /// <summary>The runtime statuses a client may filter on (the host's <c>OrchestrationRuntimeStatus</c> names).</summary>
    private static readonly OrchestrationStatus[] KnownStatuses =
    [
        OrchestrationStatus.Running, OrchestrationStatus.Completed, OrchestrationStatus.ContinuedAsNew,
        OrchestrationStatus.Failed, OrchestrationStatus.Canceled, OrchestrationStatus.Terminated,
        OrchestrationStatus.Pending, OrchestrationStatus.Suspended,
    ];

    public static bool GetBoolean(IQueryCollection query, string name, bool defaultValue)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return defaultValue;
        }

        return bool.TryParse(text, out var value)
            ? value
            : throw new BadParameterException(name, $"The '{name}' query parameter must be true or false.");
    }

    public static DateTime? GetUtcDateTime(IQueryCollection query, string name)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.UtcDateTime
            : throw new BadParameterException(name, $"The '{name}' query parameter must be an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z.");
    }

    public static int GetInt32(IQueryCollection query, string name, int defaultValue, int min, int max)
    {
        var text = Single(query, name);
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new BadParameterException(name, $"The '{name}' query parameter must be a whole number from {min} to {max}.");
    }

    /// <summary>A comma-separated list of runtime status names (repeatable), case-insensitive; null when absent.</summary>
    public static IReadOnlyList<OrchestrationStatus>? GetRuntimeStatuses(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        var statuses = new List<OrchestrationStatus>();
        foreach (var part in values.SelectMany(v => (v ?? string.Empty).Split(',')))
        {
            var trimmed = part.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            var match = KnownStatuses.Where(s => string.Equals(s.ToString(), trimmed, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (match.Length == 0)
            {
                throw new BadParameterException(
                    name,
                    $"The '{name}' query parameter has an unknown status '{Truncate(trimmed)}'; use any of {string.Join(", ", KnownStatuses)}.");
            }

            if (!statuses.Contains(match[0]))
            {
                statuses.Add(match[0]);
            }
        }

        return statuses.Count == 0 ? null : statuses;
    }

    public static string? GetString(IQueryCollection query, string name) => Single(query, name);

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        return values.Count == 1
            ? values[0]
            : throw new BadParameterException(name, $"The '{name}' query parameter is given {values.Count} times; give it once.");
    }

    internal static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
