using System.Text.Json;

namespace LlmFunctions.Routes;

/// <summary>Which step of the chain served an answer: <c>llmfunctions.strategy</c>, <c>route</c>, <c>tier</c> and, for
/// a cached answer, <c>cache</c>.</summary>
/// <param name="Strategy">The strategy.</param>
/// <param name="Route">The route's name, or null for the default path.</param>
/// <param name="Tier">The tier that answered, for a tier or simplified answer.</param>
/// <param name="Cached">The cached entry's facts, for a cached answer.</param>
public sealed record AnswerSource(RouteStrategy Strategy, string? Route = null, string? Tier = null, CacheFacts? Cached = null)
{
    /// <summary>Gets the strategy's wire name (<c>provider</c>, <c>tier</c>, <c>simplified</c>, <c>cache</c>,
    /// <c>degraded</c>, <c>preset</c>).</summary>
    public string StrategyName => Name(Strategy);

    /// <summary>The source of an answer given at the run's current stage.</summary>
    /// <param name="run">The run.</param>
    /// <returns>The source.</returns>
    public static AnswerSource Of(RouteRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(run.Current.Strategy, run.Plan.Name, run.Current.Tier);
    }

    /// <summary>The source of a cached answer served at <paramref name="now"/>: stale once past its fresh time.</summary>
    /// <param name="run">The run.</param>
    /// <param name="hit">The cache entry.</param>
    /// <param name="now">The current instant (the driver's clock, or the orchestration's replay-safe one).</param>
    /// <returns>The source.</returns>
    public static AnswerSource FromCache(RouteRun run, Caching.CachedAnswer hit, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(hit);
        var facts = new CacheFacts(!hit.IsFreshAt(now), hit.StoredAt, hit.ServedBy, (long)Math.Max(0, (now - hit.StoredAt).TotalSeconds));
        return new(RouteStrategy.Cache, run.Plan.Name, Cached: facts);
    }

    /// <summary>The wire name of a strategy.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>Its lower-case name.</returns>
    public static string Name(RouteStrategy strategy) => strategy switch
    {
        RouteStrategy.Provider => "provider",
        RouteStrategy.Tier => "tier",
        RouteStrategy.Simplified => "simplified",
        RouteStrategy.Cache => "cache",
        RouteStrategy.Degraded => "degraded",
        _ => "preset",
    };

    /// <summary>The OpenAI <c>chat.completion</c> body of a degraded or preset answer: one choice holding the stage's
    /// configured content, <c>model</c> naming the route.</summary>
    /// <param name="run">The run, at a degraded or preset stage.</param>
    /// <param name="now">The current instant (<c>created</c>).</param>
    /// <param name="id">The completion's id.</param>
    /// <returns>The body.</returns>
    public static JsonElement ConfiguredBody(RouteRun run, DateTimeOffset now, string id)
    {
        ArgumentNullException.ThrowIfNull(run);
        return JsonSerializer.SerializeToElement(new
        {
            id,
            @object = "chat.completion",
            created = now.ToUnixTimeSeconds(),
            model = RouteCatalog.ModelPrefix + run.Plan.Name,
            choices = new[]
            {
                new
                {
                    index = 0,
                    message = new { role = "assistant", content = run.Current.Answer },
                    finish_reason = "stop",
                    logprobs = (object?)null,
                },
            },
        });
    }
}

/// <summary>What a cached answer says about itself.</summary>
/// <param name="Stale">True when served past its fresh time (stale-if-error).</param>
/// <param name="StoredAt">When it was stored.</param>
/// <param name="ServedBy">The <c>Provider/model</c> that gave it.</param>
/// <param name="AgeSeconds">Its age when served.</param>
public sealed record CacheFacts(bool Stale, DateTimeOffset StoredAt, string ServedBy, long AgeSeconds);
