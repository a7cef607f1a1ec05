using System.Text.Json.Serialization;
using LlmFunctions.Failover;

namespace LlmFunctions.Routes;

/// <summary>What served (or may serve) a request: the <c>llmfunctions.strategy</c> of an answer.</summary>
public enum RouteStrategy
{
    /// <summary><c>provider</c>: a provider on the default path (no route).</summary>
    Provider,

    /// <summary><c>tier</c>: a provider of one of the route's model tiers.</summary>
    Tier,

    /// <summary><c>simplified</c>: a provider of a tier, after the route's simplified-prompt rewrite.</summary>
    Simplified,

    /// <summary><c>cache</c>: the response cache.</summary>
    Cache,

    /// <summary><c>degraded</c>: the route's configured text.</summary>
    Degraded,

    /// <summary><c>preset</c>: the route's configured JSON.</summary>
    Preset,
}

/// <summary>A route compiled from its settings: the stages a request goes through, in order. Serializable: a durable
/// instance carries it in its input, so a settings change never alters a running request.</summary>
/// <param name="Name">The route's name, or null for the default path.</param>
/// <param name="Spreading">How a tier's candidates are spread, or null for <c>LlmFunctions:Failover:Spreading</c>.</param>
/// <param name="Stages">The stages: one per tier of a <c>tiers</c> or <c>simplified</c> step, one per other step.</param>
/// <param name="CacheFresh">How long an answer is served from the cache instead of calling providers (zero: never).</param>
/// <param name="CacheKeep">How long an answer is kept for stale-if-error (zero: answers are not stored).</param>
public sealed record RoutePlan(
    string? Name,
    SpreadingStrategy? Spreading,
    IReadOnlyList<RouteStage> Stages,
    TimeSpan CacheFresh = default,
    TimeSpan CacheKeep = default)
{
    /// <summary>Gets the default path: every provider by priority, no cache, nothing beyond providers.</summary>
    public static RoutePlan Default { get; } = new(null, null, [new RouteStage(RouteStrategy.Provider, 0)]);

    /// <summary>Gets a value indicating whether answers of this route are stored in the response cache.</summary>
    [JsonIgnore]
    public bool StoresAnswers => CacheKeep > TimeSpan.Zero;
}

/// <summary>One stage of a route.</summary>
/// <param name="Strategy">What the stage does.</param>
/// <param name="Step">The index of the setting step it comes from (its tiers share the step's deadline).</param>
/// <param name="Tier">The tier, for <see cref="RouteStrategy.Tier"/> and <see cref="RouteStrategy.Simplified"/>.</param>
/// <param name="Members">The tier's candidates in order (a provider, or <c>Provider/model</c>); null for every
/// provider (the default path).</param>
/// <param name="DeadlineSeconds">The step's time budget from its start, or null for the request's deadline.</param>
/// <param name="Rewrite">The prompt rewrite, for <see cref="RouteStrategy.Simplified"/>.</param>
/// <param name="Answer">The configured content, for <see cref="RouteStrategy.Degraded"/> and
/// <see cref="RouteStrategy.Preset"/>.</param>
public sealed record RouteStage(
    RouteStrategy Strategy,
    int Step,
    string? Tier = null,
    IReadOnlyList<string>? Members = null,
    double? DeadlineSeconds = null,
    PromptRewrite? Rewrite = null,
    string? Answer = null)
{
    /// <summary>Gets a value indicating whether the stage calls providers.</summary>
    [JsonIgnore]
    public bool CallsProviders => Strategy is RouteStrategy.Provider or RouteStrategy.Tier or RouteStrategy.Simplified;
}
