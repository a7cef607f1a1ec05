using System.Security.Cryptography;
using System.Text;
using LlmFunctions.FunctionApp.Orchestration;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>What a presented key turned out to be.</summary>
/// <param name="Name">The key's name: <see cref="HostKeys.MasterKeyName"/> for the master key, else the function key's name.</param>
/// <param name="IsMaster">Whether it is the master key.</param>
public sealed record KeyMatch(string Name, bool IsMaster);

/// <summary>
/// The host's keys, as Azure Functions has them: one master key (<c>LlmFunctions:Keys:Master</c>), which opens every
/// route, and any number of named function keys (<c>LlmFunctions:Keys:Function:&lt;name&gt;</c>), which open
/// function-level routes. Empty values count as not configured. Values are kept only as SHA-256 digests and compared in
/// constant time; they are never logged.
/// </summary>
public sealed class HostKeys : IStatusLinkCodes
{
    /// <summary>The master key's setting.</summary>
    public const string MasterSetting = "LlmFunctions:Keys:Master";

    /// <summary>The section holding the named function keys.</summary>
    public const string FunctionSection = "LlmFunctions:Keys:Function";

    /// <summary>The name the master key goes by (for rate limits and logs).</summary>
    public const string MasterKeyName = "master";

    /// <summary>The shortest key accepted: Azure Functions' generated keys are far longer; a short one is guessable.</summary>
    public const int MinKeyLength = 16;

    private readonly (string Name, bool IsMaster, byte[] Digest)[] _keys;

    // Signs instance status codes; derived from the master key, so every host of the app issues and accepts the same.
    private readonly byte[]? _statusSecret;

    private HostKeys((string Name, bool IsMaster, byte[] Digest)[] keys, byte[]? statusSecret)
    {
        _keys = keys;
        _statusSecret = statusSecret;
    }

    /// <summary>Gets whether any key is configured; without one the host serves anonymous callers on loopback only.</summary>
    public bool AnyConfigured => _keys.Length > 0;

    /// <summary>Gets the configured keys' names (never their values).</summary>
    public IEnumerable<string> Names => _keys.Select(k => k.Name);

    /// <summary>Reads the keys from configuration.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The keys.</returns>
    /// <exception cref="InvalidOperationException">A key is shorter than <see cref="MinKeyLength"/>, two keys are equal,
    /// or a function key is named <see cref="MasterKeyName"/>; the message names the setting, never the value.</exception>
    public static HostKeys From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var keys = new List<(string Setting, string Name, bool IsMaster, string Value)>();
        if (configuration[MasterSetting] is { Length: > 0 } master)
        {
            keys.Add((MasterSetting, MasterKeyName, true, master));
        }

        foreach (var child in configuration.GetSection(FunctionSection).GetChildren())
        {
            if (child.Value is not { Length: > 0 } value)
            {
                continue;
            }

            var setting = $"{FunctionSection}:{child.Key}";
            if (string.Equals(child.Key, MasterKeyName, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{setting}: '{MasterKeyName}' is the master key's name; give the function key another name.");
            }

            keys.Add((setting, child.Key, false, value));
        }

        foreach (var key in keys)
        {
            if (key.Value.Trim().Length < MinKeyLength)
            {
                throw new InvalidOperationException($"{key.Setting} must be at least {MinKeyLength} characters (a random string; the value is not shown).");
            }
        }

        var duplicate = keys.GroupBy(k => k.Value, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"{string.Join(" and ", duplicate.Select(k => k.Setting))} hold the same key; each key must be distinct.");
        }

        var statusSecret = keys.FirstOrDefault(k => k.IsMaster).Value is { } masterValue ? Digest("instance-status\n" + masterValue) : null;
        return new HostKeys([.. keys.Select(k => (k.Name, k.IsMaster, Digest(k.Value)))], statusSecret);
    }

    /// <summary>Finds the key <paramref name="presented"/> is. Every configured key is compared, in constant time over
    /// equal-length digests, so the time taken says nothing about which key or how much of it matched.</summary>
    /// <param name="presented">The key the caller sent.</param>
    /// <returns>The match, or null when it is no configured key.</returns>
    public KeyMatch? Match(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var digest = Digest(presented);
        KeyMatch? match = null;
        foreach (var (name, isMaster, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                match = new KeyMatch(name, isMaster);
            }
        }

        return match;
    }

    /// <summary>The code that opens the status of one instance and nothing else (an HMAC of its id under a secret derived
    /// from the master key): the check-status link carries it, as the Functions host's links carry its system key.</summary>
    /// <param name="instanceId">The instance.</param>
    /// <returns>The code (base64url), or null without a master key.</returns>
    public string? StatusCodeFor(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return _statusSecret is null ? null : Base64Url(StatusMac(instanceId));
    }

    /// <summary>Whether <paramref name="presented"/> is the status code of <paramref name="instanceId"/>, compared in constant time.</summary>
    /// <param name="instanceId">The instance the request is for.</param>
    /// <param name="presented">The code sent.</param>
    /// <returns>True when it opens that instance's status.</returns>
    public bool IsStatusCode(string instanceId, string presented)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        ArgumentNullException.ThrowIfNull(presented);
        return _statusSecret is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Base64Url(StatusMac(instanceId))), Encoding.ASCII.GetBytes(presented));
    }

    /// <inheritdoc/>
    string? IStatusLinkCodes.CodeFor(string instanceId) => StatusCodeFor(instanceId);

    private byte[] StatusMac(string instanceId) => HMACSHA256.HashData(_statusSecret!, Encoding.UTF8.GetBytes(instanceId));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Digest(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
