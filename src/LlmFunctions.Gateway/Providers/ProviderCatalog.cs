using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace LlmFunctions.Providers;

/// <summary>
/// The providers this instance may call, resolved from <c>LlmFunctions:Providers</c>: the built-ins plus any custom
/// OpenAI-compatible endpoint. A provider whose key setting is missing is skipped with a visible reason.
/// </summary>
public sealed class ProviderCatalog
{
    /// <summary>The configuration section that holds provider settings.</summary>
    public const string SectionName = "LlmFunctions:Providers";

    /// <summary>The setting that, when set, routes every provider to the provider simulator (local development).</summary>
    public const string SimulatorBaseUrlSetting = "LlmFunctions:SimulatorBaseUrl";

    /// <summary>The default payload budget in characters.</summary>
    public const int DefaultMaxPromptChars = Payload.PayloadBudget.DefaultMaxPromptChars;

    /// <summary>The default per-attempt timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default time a stream may take to its first content or tool-call delta before the next provider
    /// is tried.</summary>
    public static readonly TimeSpan DefaultFirstTokenTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The default per-instance concurrency limit per provider.</summary>
    public const int DefaultMaxConcurrency = 8;

    /// <summary>The default per-instance queue for a provider's concurrency limit.</summary>
    public const int DefaultMaxQueue = 8;

    private const string SimulatorApiKey = "simulator-key";
    private readonly Dictionary<string, string> _apiKeys;

    private ProviderCatalog(
        IReadOnlyList<ProviderDescriptor> providers,
        IReadOnlyList<SkippedProvider> skipped,
        Dictionary<string, string> apiKeys,
        Uri? simulatorBaseUrl)
    {
        Providers = providers;
        Skipped = skipped;
        _apiKeys = apiKeys;
        SimulatorBaseUrl = simulatorBaseUrl;
    }

    /// <summary>Gets the usable providers, by priority (lower first), then name.</summary>
    public IReadOnlyList<ProviderDescriptor> Providers { get; }

    /// <summary>Gets the providers that are known but not used, with the reason.</summary>
    public IReadOnlyList<SkippedProvider> Skipped { get; }

    /// <summary>Gets the simulator every provider is routed to, when running against the simulator.</summary>
    public Uri? SimulatorBaseUrl { get; }

    /// <summary>Gets every configured API key value, so that redaction can remove them from any text.</summary>
    public IEnumerable<string> SecretValues => _apiKeys.Values;

    /// <summary>Finds a usable provider by name, ignoring case.</summary>
    /// <param name="name">The provider name.</param>
    /// <returns>The provider, or null when it is unknown or skipped.</returns>
    public ProviderDescriptor? Find(string name) =>
        Providers.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Gets the API key of a usable provider. The value must never be logged.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The key.</returns>
    public string GetApiKey(ProviderDescriptor provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return _apiKeys.TryGetValue(provider.Name, out var key)
            ? key
            : throw new InvalidOperationException($"Provider '{provider.Name}' is not in the catalog.");
    }

    /// <summary>Resolves the catalog from configuration, validating every setting.</summary>
    /// <param name="configuration">The app configuration (host.json, local.settings.json, environment).</param>
    /// <returns>The catalog.</returns>
    /// <exception cref="ProviderCatalogException">A setting is invalid; the message names each one.</exception>
    public static ProviderCatalog Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();
        var simulator = ReadSimulatorBaseUrl(configuration, errors);
        var section = configuration.GetSection(SectionName);

        var names = BuiltInProviders.All.Select(b => b.Name).ToList();
        foreach (var child in section.GetChildren())
        {
            if (!names.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(child.Key);
            }
        }

        var providers = new List<ProviderDescriptor>();
        var skipped = new List<SkippedProvider>();
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var index = 0; index < names.Count; index++)
        {
            var builtIn = BuiltInProviders.Find(names[index]);
            var name = builtIn?.Name ?? names[index];
            var reader = new SettingsReader(section.GetSection(name), $"{SectionName}:{name}", errors);
            var resolved = Resolve(name, index, builtIn, reader, configuration, simulator);
            if (resolved.Descriptor is { } descriptor && resolved.ApiKey is { } key)
            {
                providers.Add(descriptor);
                keys[name] = key;
            }
            else if (resolved.SkipReason is { } reason)
            {
                skipped.Add(new SkippedProvider(name, reason));
            }
        }

        if (errors.Count > 0)
        {
            throw new ProviderCatalogException(errors);
        }

        var ordered = providers.OrderBy(p => p.Priority).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
        return new ProviderCatalog(ordered, skipped, keys, simulator);
    }

    private static (ProviderDescriptor? Descriptor, string? ApiKey, string? SkipReason) Resolve(
        string name,
        int index,
        BuiltInProviders.Defaults? builtIn,
        SettingsReader reader,
        IConfiguration configuration,
        Uri? simulator)
    {
        var errorsBefore = reader.ErrorCount;
        var kind = reader.Enum<ProviderKind>("Kind") ?? builtIn?.Kind ?? ProviderKind.OpenAiCompatible;
        var baseUrl = reader.AbsoluteUrl("BaseUrl");
        var models = reader.Models();
        var keySetting = reader.SettingName("ApiKeySetting");
        var accountSetting = reader.SettingName("AccountIdSetting") ?? "CLOUDFLARE_ACCOUNT_ID";
        var priority = reader.Int("Priority", 0, 1_000_000) ?? (index + 1) * 10;
        var budget = reader.Int("MaxPromptChars", 1, 10_000_000) ?? DefaultMaxPromptChars;
        var weight = reader.Number("Weight", 0.001, 1_000_000) ?? 1;
        var timeout = reader.Seconds("TimeoutSeconds", 0.001, 600) ?? DefaultTimeout;
        var firstToken = reader.Seconds("FirstTokenTimeoutSeconds", 0.001, 600) ?? DefaultFirstTokenTimeout;
        var concurrency = reader.Int("MaxConcurrency", 1, 10_000) ?? DefaultMaxConcurrency;
        var queue = reader.Int("MaxQueue", 0, 10_000) ?? DefaultMaxQueue;
        var enabled = reader.Bool("Enabled") ?? true;
        var headers = reader.Headers();

        if (builtIn is null && simulator is null)
        {
            if (baseUrl is null || models.Count == 0 || keySetting is null)
            {
                reader.Error(string.Empty, $"unknown provider '{name}': a custom provider needs BaseUrl, Models (or Model) and ApiKeySetting; built-in providers are {string.Join(", ", BuiltInProviders.All.Select(b => b.Name))}");
            }
        }
        else if (builtIn is null && models.Count == 0)
        {
            // The simulator supplies the URL and key, but only the settings can say which model a custom provider serves.
            reader.Error(string.Empty, $"unknown provider '{name}': a custom provider needs Models (or Model), even against the simulator; built-in providers are {string.Join(", ", BuiltInProviders.All.Select(b => b.Name))}");
        }

        if (reader.ErrorCount > errorsBefore)
        {
            return (null, null, null);
        }

        if (!enabled)
        {
            return (null, null, $"{reader.Path}:Enabled is false");
        }

        keySetting ??= builtIn?.ApiKeySetting ?? $"{name.ToUpperInvariant()}_API_KEY";
        var apiKey = configuration[keySetting];
        string? accountId = null;
        if (simulator is not null)
        {
            baseUrl = new Uri(simulator, kind == ProviderKind.CloudflareWorkersAi ? $"{name}/client/v4" : $"{name}/v1");
            // A real key never leaves for the simulator, even on loopback.
            apiKey = SimulatorApiKey;
            accountId = "simulator-account";
        }
        else
        {
            if (string.IsNullOrWhiteSpace(apiKey))
            {
                return (null, null, apiKey is null ? $"{keySetting} is not set" : $"{keySetting} is empty");
            }

            if (kind == ProviderKind.CloudflareWorkersAi)
            {
                accountId = configuration[accountSetting];
                if (string.IsNullOrWhiteSpace(accountId))
                {
                    return (null, null, $"{accountSetting} is not set (the Cloudflare account id)");
                }
            }
        }

        var descriptor = new ProviderDescriptor
        {
            Name = name,
            Kind = kind,
            BaseUrl = baseUrl ?? new Uri(builtIn!.BaseUrl),
            Models = models.Count > 0 ? models : [builtIn!.Model],
            ApiKeySetting = keySetting,
            AccountId = accountId,
            Priority = priority,
            Weight = weight,
            MaxPromptChars = budget,
            Timeout = timeout,
            FirstTokenTimeout = firstToken,
            MaxConcurrency = concurrency,
            MaxQueue = queue,
            ExtraHeaders = headers,
        };
        return (descriptor, apiKey, null);
    }

    private static Uri? ReadSimulatorBaseUrl(IConfiguration configuration, List<string> errors)
    {
        var raw = configuration[SimulatorBaseUrlSetting];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        if (!Uri.TryCreate(raw.EndsWith('/') ? raw : raw + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add($"{SimulatorBaseUrlSetting} must be an absolute http(s) URL");
            return null;
        }

        return uri;
    }

    private sealed class SettingsReader(IConfigurationSection section, string path, List<string> errors)
    {
        public string Path => path;

        public int ErrorCount => errors.Count;

        public void Error(string key, string message) =>
            errors.Add(key.Length == 0 ? $"{path}: {message}" : $"{path}:{key} {message}");

        public TEnum? Enum<TEnum>(string key)
            where TEnum : struct, System.Enum
        {
            var raw = section[key];
            if (raw is null)
            {
                return null;
            }

            if (System.Enum.TryParse<TEnum>(raw, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !int.TryParse(raw, out _))
            {
                return value;
            }

            Error(key, $"must be one of {string.Join(", ", System.Enum.GetNames<TEnum>())}");
            return null;
        }

        public Uri? AbsoluteUrl(string key)
        {
            var raw = section[key];
            if (raw is null)
            {
                return null;
            }

            if (Uri.TryCreate(raw, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query))
            {
                return uri;
            }

            // The value is not echoed: a URL may carry a key in its query string.
            Error(key, "must be an absolute http(s) URL without a query string");
            return null;
        }

        public string? SettingName(string key)
        {
            var raw = section[key];
            if (raw is null)
            {
                return null;
            }

            if (raw.Length is > 0 and <= 128 && raw.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':' or '.' or '-'))
            {
                return raw;
            }

            // Not echoed: people paste the key itself here.
            Error(key, "must be the NAME of the setting that holds the value (letters, digits, _ : . -; at most 128), not the value itself");
            return null;
        }

        public int? Int(string key, int min, int max)
        {
            var raw = section[key];
            if (raw is null)
            {
                return null;
            }

            if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            Error(key, $"must be a whole number from {min} to {max}, was '{Clip(raw)}'");
            return null;
        }

        public double? Number(string key, double min, double max)
        {
            var raw = section[key];
            if (raw is null)
            {
                return null;
            }

            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            Error(key, $"must be a number from {min} to {max}, was '{Clip(raw)}'");
            return null;
        }

        public TimeSpan? Seconds(string key, double min, double max)
        {
            var raw = section[key];
            if (raw is null)
            {
                return null;
            }

            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return TimeSpan.FromSeconds(value);
            }

            Error(key, $"must be a number of seconds greater than 0 and at most {max}, was '{Clip(raw)}'");
            return null;
        }

        public bool? Bool(string key)
        {
            var raw = section[key];
            if (raw is null)
            {
                return null;
            }

            if (bool.TryParse(raw, out var value))
            {
                return value;
            }

            Error(key, $"must be true or false, was '{Clip(raw)}'");
            return null;
        }

        public List<string> Models()
        {
            var models = new List<string>();
            if (section["Model"] is { } single)
            {
                models.Add(single);
            }

            models.AddRange(section.GetSection("Models").GetChildren().Select(c => c.Value ?? string.Empty));
            if (section["Models"] is { Length: > 0 } csv)
            {
                models.AddRange(csv.Split(',', StringSplitOptions.TrimEntries));
            }

            for (var i = 0; i < models.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(models[i]) || models[i].Length > 256)
                {
                    Error($"Models:{i}", "must be a non-empty model id of at most 256 characters");
                }
            }

            return models.Distinct(StringComparer.Ordinal).ToList();
        }

        public Dictionary<string, string> Headers()
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in section.GetSection("ExtraHeaders").GetChildren())
            {
                if (header.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    Error($"ExtraHeaders:{header.Key}", "is not allowed: the key goes in the setting named by ApiKeySetting");
                }
                else if (header.Key.Length == 0 || !header.Key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    Error($"ExtraHeaders:{header.Key}", "is not a valid header name");
                }
                else
                {
                    headers[header.Key] = header.Value ?? string.Empty;
                }
            }

            return headers;
        }

        private static string Clip(string raw) => raw.Length <= 32 ? raw : raw[..32] + "…";
    }
}
