using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace LlmFunctions.Security;

/// <summary>
/// Removes secrets from text before it reaches a reason, a body excerpt or a log: known secret values in every form
/// they can come back in (raw, JSON-escaped, URL-encoded, base64: see <see cref="SecretForms"/>), bearer tokens,
/// <c>Authorization</c> headers, credential query parameters and JSON fields, and the usual provider key shapes.
/// The one place secrets are masked. Thread-safe; registering a secret is copy-on-write so redaction never locks.
/// </summary>
public sealed partial class SecretRedactor
{
    /// <summary>The replacement for every secret.</summary>
    public const string Mask = "***";

    /// <summary>The shortest value accepted as a known secret; shorter ones would mangle ordinary text.</summary>
    public const int MinimumSecretLength = 8;

    private ImmutableArray<string> _secrets = [];

    // One matcher per secret value, built once: the known secrets and each call's additional secret.
    private readonly ConcurrentDictionary<string, SecretForms> _forms = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="SecretRedactor"/> class.</summary>
    /// <param name="knownSecrets">Secret values from configuration (API keys); short or blank ones are ignored.</param>
    public SecretRedactor(IEnumerable<string?>? knownSecrets = null)
    {
        foreach (var secret in knownSecrets ?? [])
        {
            AddSecret(secret);
        }
    }

    /// <summary>Registers a secret value to redact verbatim. Values shorter than
    /// <see cref="MinimumSecretLength"/> are ignored.</summary>
    /// <param name="secret">The secret value.</param>
    public void AddSecret(string? secret)
    {
        if (!IsRedactable(secret))
        {
            return;
        }

        ImmutableInterlocked.Update(
            ref _secrets,
            static (current, value) => current.Contains(value, StringComparer.Ordinal)
                ? current
                : [.. current.Add(value).OrderByDescending(s => s.Length)],
            secret.Trim());
    }

    /// <summary>Redacts every known secret, <paramref name="additionalSecret"/> and every secret-shaped token.</summary>
    /// <param name="text">The text to clean.</param>
    /// <param name="additionalSecret">One more secret to remove, e.g. the API key of the current call.</param>
    /// <returns>The text with each secret replaced by <see cref="Mask"/>; empty for null.</returns>
    public string Redact(string? text, string? additionalSecret = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (IsRedactable(additionalSecret))
        {
            text = FormsOf(additionalSecret.Trim()).Replace(text, Mask);
        }

        foreach (var secret in _secrets)
        {
            text = FormsOf(secret).Replace(text, Mask);
        }

        text = AuthorizationHeader().Replace(text, "$1: " + Mask);
        text = BearerToken().Replace(text, "$1 " + Mask);
        text = CredentialParameter().Replace(text, "$1$2=" + Mask);
        text = CredentialJsonField().Replace(text, "$1" + Mask + "\"");
        return KeyShape().Replace(text, Mask);
    }

    private SecretForms FormsOf(string secret) => _forms.GetOrAdd(secret, static s => new SecretForms(s));

    private static bool IsRedactable([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? secret) =>
        secret is not null && secret.Trim().Length >= MinimumSecretLength;

    [GeneratedRegex(@"\b(authorization|proxy-authorization|x-api-key|api-key)[ \t]*:[ \t]*[^\r\n]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"\b(bearer|basic)\s+(?!\*\*\*)[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();

    [GeneratedRegex(@"(^|[?&;\s""'])(api[_-]?key|key|token|access[_-]?token|secret|password)=([^&\s""'#]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialParameter();

    [GeneratedRegex(@"(""(?:api[_-]?key|access[_-]?token|token|secret|password|authorization)""\s*:\s*"")[^""]*""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialJsonField();

    [GeneratedRegex(@"\b(?:sk-[A-Za-z0-9_\-]{16,}|gsk_[A-Za-z0-9]{16,}|hf_[A-Za-z0-9]{16,}|ghp_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|csk-[A-Za-z0-9]{16,})", RegexOptions.CultureInvariant)]
    private static partial Regex KeyShape();
}
