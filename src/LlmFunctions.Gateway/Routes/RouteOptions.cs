namespace LlmFunctions.Routes;

/// <summary>
/// Routes (seed 000's task types) and model tiers, bound from <c>LlmFunctions:Routes</c> and <c>LlmFunctions:Tiers</c>
/// and validated at start against the provider catalog (<see cref="RouteOptionsValidator"/>). See docs/routes.md.
/// </summary>
public sealed class RouteOptions
{
    /// <summary>The configuration section of the routes.</summary>
    public const string RoutesSection = "LlmFunctions:Routes";

    /// <summary>The configuration section of the tiers.</summary>
    public const string TiersSection = "LlmFunctions:Tiers";

    /// <summary>Gets or sets the routes by name (<c>LlmFunctions:Routes:recipes:Steps:0:Strategy</c>). A request names
    /// one with <c>"model": "route:NAME"</c> or the <c>x-llmfunctions-route</c> header.</summary>
    /// <value>The default is none: every request takes the default path (the providers by priority).</value>
    public Dictionary<string, RouteSettings> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the model tiers by name (seed 000: SOTA, PREMIUM, STANDARD, BUDGET), each an ordered list
    /// of candidates: a provider (all its models) or <c>Provider/model</c>
    /// (<c>LlmFunctions:Tiers:PREMIUM:0 = Groq/llama-3.3-70b-versatile</c>).</summary>
    /// <value>The default is none.</value>
    public Dictionary<string, List<string>> Tiers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One route: an ordered chain of steps, tried until one answers.</summary>
public sealed class RouteSettings
{
    /// <summary>Gets or sets how requests are spread among the candidates of one tier: <c>priority</c>,
    /// <c>weighted</c>, <c>least-busy</c> or <c>quota-aware</c>.</summary>
    /// <value>The default (null) is <c>LlmFunctions:Failover:Spreading</c>.</value>
    public string? Spreading { get; set; }

    /// <summary>Gets or sets the chain, in order (1 to 32 steps).</summary>
    public List<RouteStepSettings> Steps { get; set; } = [];

    /// <summary>Gets or sets how the route's answers are cached.</summary>
    public RouteCacheSettings Cache { get; set; } = new();
}

/// <summary>One step of a route: a strategy with its options.</summary>
public sealed class RouteStepSettings
{
    /// <summary>Gets or sets the strategy: <c>tiers</c>, <c>simplified</c>, <c>cache</c>, <c>degraded</c> or
    /// <c>preset</c>.</summary>
    public string Strategy { get; set; } = string.Empty;

    /// <summary>Gets or sets the tier names to try in order (<c>tiers</c>; for <c>simplified</c>, the default is every
    /// tier of the route's <c>tiers</c> steps).</summary>
    public List<string> Tiers { get; set; } = [];

    /// <summary>Gets or sets how long the step may take in all, from its start (1 to 3600 s; <c>tiers</c> and
    /// <c>simplified</c>).</summary>
    /// <value>The default (null) is the request's own deadline.</value>
    public double? DeadlineSeconds { get; set; }

    /// <summary>Gets or sets the system prompt that replaces the request's system and developer messages
    /// (<c>simplified</c>).</summary>
    public string? SystemPrompt { get; set; }

    /// <summary>Gets or sets how many of the last conversation messages are kept (<c>simplified</c>; system messages
    /// are not counted; a tool result keeps the assistant message that called it).</summary>
    public int? KeepLastMessages { get; set; }

    /// <summary>Gets or sets the cap on <c>max_tokens</c> / <c>max_completion_tokens</c> (<c>simplified</c>).</summary>
    public int? MaxTokens { get; set; }

    /// <summary>Gets or sets the answer's text (<c>degraded</c>).</summary>
    public string? Text { get; set; }

    /// <summary>Gets or sets the answer's JSON, sent as the message content (<c>preset</c>).</summary>
    public string? Json { get; set; }
}

/// <summary>How a route's answers are cached (see docs/cache.md).</summary>
public sealed class RouteCacheSettings
{
    /// <summary>Gets or sets how long an answer is served instead of calling providers (0 to 30 days in seconds; 0: no
    /// fresh cache). A request with <c>Cache-Control: no-cache</c> skips it.</summary>
    /// <value>The default is 0.</value>
    public double FreshSeconds { get; set; }

    /// <summary>Gets or sets how long an answer is kept to be served stale-if-error by a <c>cache</c> step (0 to 365
    /// days in seconds; at least <see cref="FreshSeconds"/>). Answers are stored only when the route has a <c>cache</c>
    /// step or a fresh cache.</summary>
    /// <value>The default is 86400 (one day).</value>
    public double KeepSeconds { get; set; } = 86_400;
}
