using System.Globalization;
using System.Text.Json;
using LlmFunctions.Failover;
using LlmFunctions.Providers;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Routes;

/// <summary>The routes compiled from <see cref="RouteOptions"/> against the provider catalog. Compiling and validating
/// are one code path (<see cref="Compile"/>): what starts is exactly what was validated.</summary>
public sealed class RouteCatalog
{
    /// <summary>The <c>model</c> prefix that names a route (<c>route:recipes</c>).</summary>
    public const string ModelPrefix = "route:";

    /// <summary>The request header that names a route.</summary>
    public const string RouteHeader = "x-llmfunctions-route";

    /// <summary>The request header that forbids steps beyond providers (<c>simplified, cache, degraded, preset</c>, or
    /// <c>all</c>).</summary>
    public const string ForbidHeader = "x-llmfunctions-forbid";

    /// <summary>The response header that says which strategy served the answer.</summary>
    public const string StrategyHeader = "x-llmfunctions-strategy";

    private const int MaxSteps = 32;
    private const int MaxTextChars = 100_000;

    private static readonly string[] StepStrategies = ["tiers", "simplified", "cache", "degraded", "preset"];

    private readonly Dictionary<string, RoutePlan> _plans;

    /// <summary>Initializes a new instance from validated options.</summary>
    /// <param name="options">The routes and tiers.</param>
    /// <param name="providers">The provider catalog.</param>
    /// <param name="failover">The failover settings (the default spreading).</param>
    public RouteCatalog(IOptions<RouteOptions> options, ProviderCatalog providers, IOptions<FailoverOptions> failover)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(failover);
        var (plans, errors) = Compile(options.Value, providers);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(RouteOptions.RoutesSection, typeof(RouteOptions), errors);
        }

        _plans = plans;
    }

    /// <summary>Gets the route names, in order.</summary>
    public IEnumerable<string> Names => _plans.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>Finds a route by name (ignoring case).</summary>
    /// <param name="name">The name.</param>
    /// <returns>The route, or null.</returns>
    public RoutePlan? Find(string name) => _plans.GetValueOrDefault(name);

    /// <summary>Parses the <see cref="ForbidHeader"/> value.</summary>
    /// <param name="value">A comma-separated list of <c>simplified</c>, <c>cache</c>, <c>degraded</c>, <c>preset</c>
    /// or <c>all</c>; null or empty for none.</param>
    /// <returns>The forbidden strategies, or the error naming the header and the values allowed.</returns>
    public static (IReadOnlyList<RouteStrategy> Forbidden, string? Error) ParseForbidden(string? value)
    {
        var forbidden = new List<RouteStrategy>();
        foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (token.ToLowerInvariant())
            {
                case "all":
                    forbidden.AddRange([RouteStrategy.Simplified, RouteStrategy.Cache, RouteStrategy.Degraded, RouteStrategy.Preset]);
                    break;
                case "simplified":
                    forbidden.Add(RouteStrategy.Simplified);
                    break;
                case "cache":
                    forbidden.Add(RouteStrategy.Cache);
                    break;
                case "degraded":
                    forbidden.Add(RouteStrategy.Degraded);
                    break;
                case "preset":
                    forbidden.Add(RouteStrategy.Preset);
                    break;
                default:
                    return ([], $"{ForbidHeader} must list simplified, cache, degraded, preset or all (comma-separated), held '{Truncate(token)}'");
            }
        }

        return ([.. forbidden.Distinct()], null);
    }

    /// <summary>Compiles and validates the routes; every error names its setting.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="providers">The provider catalog (a tier may name a known provider that is skipped, e.g. for a
    /// missing key: it then has no candidate).</param>
    /// <returns>The plans by name, and the errors.</returns>
    public static (Dictionary<string, RoutePlan> Plans, List<string> Errors) Compile(RouteOptions options, ProviderCatalog providers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(providers);
        var errors = new List<string>();
        foreach (var (tier, members) in options.Tiers)
        {
            ValidateTier(tier, members, providers, errors);
        }

        var plans = new Dictionary<string, RoutePlan>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, route) in options.Routes)
        {
            if (CompileRoute(name, route, options.Tiers, errors) is { } plan)
            {
                plans[name] = plan;
            }
        }

        return (plans, errors);
    }

    private static void ValidateTier(string tier, List<string> members, ProviderCatalog providers, List<string> errors)
    {
        var path = $"{RouteOptions.TiersSection}:{tier}";
        if (!IsName(tier))
        {
            errors.Add($"{path}: a tier name must be 1 to 64 letters, digits, '-', '_' or '.'");
        }

        if (members.Count == 0)
        {
            errors.Add($"{path} must list at least one provider or Provider/model");
        }

        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i]?.Trim() ?? string.Empty;
            var slash = member.IndexOf('/', StringComparison.Ordinal);
            var provider = slash > 0 ? member[..slash] : member;
            var known = providers.Find(provider);
            if (known is null && !providers.Skipped.Any(s => string.Equals(s.Name, provider, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"{path}:{i.ToString(CultureInfo.InvariantCulture)} names '{Truncate(member)}', whose provider is not configured (LlmFunctions:Providers)");
            }
            else if (known is not null && slash > 0 && !known.Models.Contains(member[(slash + 1)..], StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{path}:{i.ToString(CultureInfo.InvariantCulture)} names '{Truncate(member)}', a model {known.Name} does not serve (its models: {string.Join(", ", known.Models)})");
            }
        }
    }

    private static RoutePlan? CompileRoute(string name, RouteSettings route, Dictionary<string, List<string>> tiers, List<string> errors)
    {
        var path = $"{RouteOptions.RoutesSection}:{name}";
        var before = errors.Count;
        if (!IsName(name))
        {
            errors.Add($"{path}: a route name must be 1 to 64 letters, digits, '-', '_' or '.'");
        }

        SpreadingStrategy? spreading = null;
        if (route.Spreading is { } s && (spreading = CandidateOrder.Parse(s)) is null)
        {
            errors.Add($"{path}:Spreading must be one of {string.Join(", ", CandidateOrder.Names)}, was '{Truncate(s)}'");
        }

        var cache = route.Cache;
        if (!(cache.FreshSeconds is >= 0 and <= 30 * 86_400))
        {
            errors.Add(Inv($"{path}:Cache:FreshSeconds must be between 0 and {30 * 86_400} (30 days), was {cache.FreshSeconds}"));
        }

        if (!(cache.KeepSeconds is >= 0 and <= 365 * 86_400) || cache.KeepSeconds < cache.FreshSeconds)
        {
            errors.Add(Inv($"{path}:Cache:KeepSeconds must be between Cache:FreshSeconds ({cache.FreshSeconds}) and {365 * 86_400} (365 days), was {cache.KeepSeconds}"));
        }

        if (route.Steps.Count is 0 or > MaxSteps)
        {
            errors.Add(Inv($"{path}:Steps must hold 1 to {MaxSteps} steps, held {route.Steps.Count}"));
        }

        var routeTiers = route.Steps.Where(s => string.Equals(s.Strategy, "tiers", StringComparison.OrdinalIgnoreCase)).SelectMany(s => s.Tiers).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var stages = new List<RouteStage>();
        var hasCacheStep = false;
        for (var i = 0; i < route.Steps.Count; i++)
        {
            var step = route.Steps[i];
            var at = Inv($"{path}:Steps:{i}");
            var strategy = step.Strategy?.Trim().ToLowerInvariant() ?? string.Empty;
            if (!StepStrategies.Contains(strategy))
            {
                errors.Add($"{at}:Strategy must be one of {string.Join(", ", StepStrategies)}, was '{Truncate(step.Strategy ?? string.Empty)}'");
                continue;
            }

            Unused(step, strategy, at, errors);
            if (step.DeadlineSeconds is { } deadline && !(deadline is >= 1 and <= 3600))
            {
                errors.Add(Inv($"{at}:DeadlineSeconds must be between 1 and 3600, was {deadline}"));
            }

            switch (strategy)
            {
                case "tiers":
                    if (step.Tiers.Count == 0)
                    {
                        errors.Add($"{at}:Tiers must name at least one tier of {RouteOptions.TiersSection}");
                    }

                    stages.AddRange(TierStages(step.Tiers, tiers, RouteStrategy.Tier, i, step.DeadlineSeconds, null, at, errors));
                    break;
                case "simplified":
                    var rewrite = Rewrite(step, at, errors);
                    var names = step.Tiers.Count > 0 ? step.Tiers : routeTiers;
                    if (names.Count == 0)
                    {
                        errors.Add($"{at}:Tiers must name a tier, as the route has no tiers step to take them from");
                    }

                    stages.AddRange(TierStages(names, tiers, RouteStrategy.Simplified, i, step.DeadlineSeconds, rewrite, at, errors));
                    break;
                case "cache":
                    hasCacheStep = true;
                    if (cache.KeepSeconds <= 0)
                    {
                        errors.Add($"{at}: a cache step needs {path}:Cache:KeepSeconds above 0 (answers are kept that long)");
                    }

                    stages.Add(new RouteStage(RouteStrategy.Cache, i));
                    break;
                case "degraded":
                    stages.Add(new RouteStage(RouteStrategy.Degraded, i, Answer: RequiredText(step.Text, $"{at}:Text", errors)));
                    break;
                default:
                    var json = RequiredText(step.Json, $"{at}:Json", errors);
                    if (json is not null && !IsJson(json))
                    {
                        errors.Add($"{at}:Json must be valid JSON (it is sent as the answer's content)");
                    }

                    stages.Add(new RouteStage(RouteStrategy.Preset, i, Answer: json));
                    break;
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        var stores = hasCacheStep || cache.FreshSeconds > 0;
        return new RoutePlan(name, spreading, stages, TimeSpan.FromSeconds(cache.FreshSeconds), stores ? TimeSpan.FromSeconds(cache.KeepSeconds) : TimeSpan.Zero);
    }

    private static IEnumerable<RouteStage> TierStages(
        List<string> names, Dictionary<string, List<string>> tiers, RouteStrategy strategy, int step, double? deadline, PromptRewrite? rewrite, string at, List<string> errors)
    {
        foreach (var tier in names)
        {
            if (!tiers.TryGetValue(tier ?? string.Empty, out var members))
            {
                errors.Add($"{at}:Tiers names '{Truncate(tier ?? string.Empty)}', which is not a tier of {RouteOptions.TiersSection} ({(tiers.Count == 0 ? "none is configured" : string.Join(", ", tiers.Keys))})");
                continue;
            }

            yield return new RouteStage(strategy, step, tiers.Keys.First(k => string.Equals(k, tier, StringComparison.OrdinalIgnoreCase)), [.. members.Select(m => m.Trim())], deadline, rewrite);
        }
    }

    private static PromptRewrite? Rewrite(RouteStepSettings step, string at, List<string> errors)
    {
        if (step.SystemPrompt is null && step.KeepLastMessages is null && step.MaxTokens is null)
        {
            errors.Add($"{at}: a simplified step needs SystemPrompt, KeepLastMessages or MaxTokens");
            return null;
        }

        if (step.SystemPrompt is { } system && (system.Trim().Length == 0 || system.Length > MaxTextChars))
        {
            errors.Add(Inv($"{at}:SystemPrompt must hold 1 to {MaxTextChars} characters, held {system.Length}"));
        }

        if (step.KeepLastMessages is { } keep && keep is < 1 or > 1000)
        {
            errors.Add(Inv($"{at}:KeepLastMessages must be between 1 and 1000, was {keep}"));
        }

        if (step.MaxTokens is { } max && max is < 1 or > 1_000_000)
        {
            errors.Add(Inv($"{at}:MaxTokens must be between 1 and 1000000, was {max}"));
        }

        return new PromptRewrite(step.SystemPrompt, step.KeepLastMessages, step.MaxTokens);
    }

    // A setting the step's strategy does not read is a mistake (a Text on a tiers step): say so rather than ignore it.
    private static void Unused(RouteStepSettings step, string strategy, string at, List<string> errors)
    {
        var used = strategy switch
        {
            "tiers" => new[] { "Tiers", "DeadlineSeconds" },
            "simplified" => ["Tiers", "DeadlineSeconds", "SystemPrompt", "KeepLastMessages", "MaxTokens"],
            "degraded" => ["Text"],
            "preset" => ["Json"],
            _ => [],
        };
        var set = new (string Name, bool IsSet)[]
        {
            ("Tiers", step.Tiers.Count > 0),
            ("DeadlineSeconds", step.DeadlineSeconds is not null),
            ("SystemPrompt", step.SystemPrompt is not null),
            ("KeepLastMessages", step.KeepLastMessages is not null),
            ("MaxTokens", step.MaxTokens is not null),
            ("Text", step.Text is not null),
            ("Json", step.Json is not null),
        };
        foreach (var (name, isSet) in set)
        {
            if (isSet && !used.Contains(name))
            {
                errors.Add($"{at}:{name} is not used by a {strategy} step");
            }
        }
    }

    private static string? RequiredText(string? text, string setting, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxTextChars)
        {
            errors.Add(Inv($"{setting} must hold 1 to {MaxTextChars} characters, held {text?.Length ?? 0}"));
            return null;
        }

        return text;
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="name"/> is a valid route or tier name: 1 to 64 letters, digits, '-', '_' or
    /// '.'.</summary>
    /// <param name="name">The name.</param>
    /// <returns>True when valid.</returns>
    public static bool IsName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Validates <see cref="RouteOptions"/> at start, against the provider catalog.</summary>
/// <param name="providers">The provider catalog.</param>
public sealed class RouteOptionsValidator(ProviderCatalog providers) : IValidateOptions<RouteOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, RouteOptions options)
    {
        var (_, errors) = RouteCatalog.Compile(options, providers);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
