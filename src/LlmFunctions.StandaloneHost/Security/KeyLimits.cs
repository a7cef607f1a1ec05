using System.Globalization;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>One key's limits; null means unlimited.</summary>
/// <param name="RequestsPerMinute">Requests a minute.</param>
/// <param name="PromptCharsPerMinute">Prompt characters (the messages' text) a minute.</param>
public sealed record KeyLimit(int? RequestsPerMinute, int? PromptCharsPerMinute);

/// <summary>
/// Per-key rate limits, from <c>LlmFunctions:Keys:Limits:&lt;keyName&gt;:RequestsPerMinute</c> and
/// <c>...:PromptCharsPerMinute</c> (<c>master</c> names the master key). A key without limits is unlimited.
/// </summary>
public static class KeyLimits
{
    /// <summary>The section holding the limits, one child per key name.</summary>
    public const string Section = "LlmFunctions:Keys:Limits";

    /// <summary>Reads the limits.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="keys">The configured keys: a limit must name one of them.</param>
    /// <returns>The limits by key name (case-insensitive).</returns>
    /// <exception cref="InvalidOperationException">A limit is not a whole number from 1, or names no configured key; the
    /// message names the setting.</exception>
    public static IReadOnlyDictionary<string, KeyLimit> From(IConfiguration configuration, HostKeys keys)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(keys);
        var names = keys.Names.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var limits = new Dictionary<string, KeyLimit>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in configuration.GetSection(Section).GetChildren())
        {
            var requests = Read(key, nameof(KeyLimit.RequestsPerMinute));
            var chars = Read(key, nameof(KeyLimit.PromptCharsPerMinute));
            if (requests is null && chars is null)
            {
                continue;
            }

            if (!names.Contains(key.Key))
            {
                throw new InvalidOperationException($"{Section}:{key.Key}: no key is named '{key.Key}'; set {HostKeys.FunctionSection}:{key.Key} (or use '{HostKeys.MasterKeyName}' for the master key).");
            }

            limits[key.Key] = new KeyLimit(requests, chars);
        }

        return limits;
    }

    private static int? Read(IConfigurationSection key, string name)
    {
        var text = key[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 1
            ? value
            : throw new InvalidOperationException($"{Section}:{key.Key}:{name} must be a whole number from 1 to {int.MaxValue}, was '{text}'.");
    }
}
