using LlmFunctions.Failover;

namespace LlmFunctions.Routes;

/// <summary>
/// Where a request stands in its route's chain. Pure and serializable: the in-request driver and the durable
/// orchestration move through the chain with the same rules, and a request handed to a durable instance continues at
/// the stage it had reached.
/// </summary>
/// <param name="Plan">The route.</param>
/// <param name="Original">The request as the caller sent it (messages, parameters, deadline, hints).</param>
/// <param name="Stage">The index of the current stage in <see cref="RoutePlan.Stages"/>.</param>
/// <param name="StepStartedAt">When the current stage's step began (a step's tiers share its deadline).</param>
/// <param name="Forbidden">The strategies the caller forbade.</param>
/// <param name="CacheKey">The request's response-cache key, or null when the route does not cache.</param>
/// <param name="Earlier">Every attempt, skip and wait of the stages before this one, for telemetry.</param>
public sealed record RouteRun(
    RoutePlan Plan,
    PromptRequest Original,
    int Stage,
    DateTimeOffset StepStartedAt,
    IReadOnlyList<RouteStrategy> Forbidden,
    string? CacheKey,
    IReadOnlyList<HistoryEntry> Earlier)
{
    /// <summary>Gets a value indicating whether the caller sent <c>Cache-Control: no-cache</c>: no fresh cached answer
    /// (stale-if-error still serves).</summary>
    public bool NoCache { get; init; }

    /// <summary>Gets a value indicating whether the caller sent <c>Cache-Control: no-store</c>: its answer is not
    /// stored.</summary>
    public bool NoStore { get; init; }

    /// <summary>Gets the current stage.</summary>
    public RouteStage Current => Plan.Stages[Stage];

    /// <summary>Gets a value indicating whether an allowed stage follows the current one.</summary>
    public bool HasNext => NextIndex(Stage + 1) is not null;

    /// <summary>Starts a request at its route's first allowed stage.</summary>
    /// <param name="plan">The route.</param>
    /// <param name="original">The request.</param>
    /// <param name="forbidden">The strategies the caller forbade.</param>
    /// <param name="cacheKey">The response-cache key, or null.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The run, or null when the caller forbade every stage of the route.</returns>
    public static RouteRun? Start(RoutePlan plan, PromptRequest original, IReadOnlyList<RouteStrategy> forbidden, string? cacheKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var run = new RouteRun(plan, original, 0, now, forbidden, plan.StoresAnswers || plan.CacheFresh > TimeSpan.Zero ? cacheKey : null, []);
        return run.NextIndex(0) is { } first ? run with { Stage = first } : null;
    }

    /// <summary>Whether the chain goes on after a provider stage finished this way: not after an answer, a cancel,
    /// or a rejection (the caller's own error, which no other step would fix).</summary>
    /// <param name="kind">How the stage finished.</param>
    /// <returns>True to try the next stage.</returns>
    public static bool ContinuesAfter(FinishKind kind) => kind is not (FinishKind.Succeeded or FinishKind.Rejected or FinishKind.Cancelled);

    /// <summary>Whether a fresh cached answer may be served instead of calling providers.</summary>
    /// <returns>True when the route has a fresh cache the caller allows.</returns>
    public bool MayServeFresh() =>
        !NoCache && CacheKey is not null && Plan.CacheFresh > TimeSpan.Zero && !Forbidden.Contains(RouteStrategy.Cache);

    /// <summary>Moves to the next allowed stage.</summary>
    /// <param name="finished">The state the current stage ended with (its history is kept for telemetry), or null for a
    /// stage that called no provider.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The run at the next stage, or null when the chain is over.</returns>
    public RouteRun? Next(FailoverState? finished, DateTimeOffset now)
    {
        if (NextIndex(Stage + 1) is not { } next)
        {
            return null;
        }

        return this with
        {
            Stage = next,
            StepStartedAt = Plan.Stages[next].Step == Current.Step ? StepStartedAt : now,
            Earlier = finished is null ? Earlier : [.. Earlier, .. finished.History],
        };
    }

    /// <summary>The request the current provider stage runs: the original, with the step's deadline, the route's
    /// spreading, the simplified rewrite, and the cache entry to write on success (never for a simplified answer).</summary>
    /// <returns>The stage's request.</returns>
    public PromptRequest StageRequest()
    {
        var stage = Current;
        var deadline = stage.DeadlineSeconds is { } seconds && StepStartedAt.AddSeconds(seconds) < Original.Deadline
            ? StepStartedAt.AddSeconds(seconds)
            : Original.Deadline;
        var request = Original with
        {
            Deadline = deadline,
            ProviderHints = stage.Members is null ? Original.ProviderHints : null,
            Spreading = Plan.Spreading ?? Original.Spreading,
            Cache = CacheKey is { } key && Plan.StoresAnswers && !NoStore && stage.Strategy != RouteStrategy.Simplified
                ? new CacheWrite(key, Plan.Name ?? string.Empty, Plan.CacheFresh, Plan.CacheKeep)
                : null,
        };
        if (stage.Rewrite is { } rewrite)
        {
            var (messages, parameters) = rewrite.Apply(Original.Messages, Original.Parameters);
            request = request with { Messages = messages, Parameters = parameters };
        }

        return request;
    }

    /// <summary>The candidates of the current stage: every one for the default path; else the tier's members in the
    /// tier's order (a provider's models in its configured order), each ranked by its place in the tier.</summary>
    /// <param name="all">Every candidate, in configured order, with health.</param>
    /// <returns>The stage's candidates.</returns>
    public IReadOnlyList<Candidate> Candidates(IReadOnlyList<Candidate> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (Current.Members is not { } members)
        {
            return all;
        }

        var picked = new List<Candidate>();
        for (var i = 0; i < members.Count; i++)
        {
            var slash = members[i].IndexOf('/', StringComparison.Ordinal);
            foreach (var candidate in all)
            {
                var matches = slash > 0
                    ? string.Equals(candidate.Key.ToString(), members[i], StringComparison.OrdinalIgnoreCase)
                    : string.Equals(candidate.Key.Provider, members[i], StringComparison.OrdinalIgnoreCase);
                if (matches && !picked.Any(p => p.Key == candidate.Key))
                {
                    picked.Add(candidate with { Priority = (i * 100) + Math.Min(candidate.Priority % 100, 99) });
                }
            }
        }

        return picked;
    }

    /// <summary>The state telemetry reports: every earlier stage's attempts, skips and waits, then
    /// <paramref name="stage"/>'s (none for an answer no provider gave).</summary>
    /// <param name="stage">The current provider stage's state, or null.</param>
    /// <returns>The state.</returns>
    public FailoverState Telemetry(FailoverState? stage = null) => stage switch
    {
        null => new(Original, [], Earlier),
        _ when Earlier.Count == 0 => stage,
        _ => stage with { History = [.. Earlier, .. stage.History] },
    };

    private int? NextIndex(int from)
    {
        for (var i = from; i < Plan.Stages.Count; i++)
        {
            if (!Forbidden.Contains(Plan.Stages[i].Strategy))
            {
                return i;
            }
        }

        return null;
    }
}

/// <summary>An answer to store in the response cache when a provider gives it.</summary>
/// <param name="Key">The normalized request's key.</param>
/// <param name="Scope">The route's name.</param>
/// <param name="Fresh">How long a hit may be served instead of calling providers.</param>
/// <param name="Keep">How long it may be served stale-if-error.</param>
public sealed record CacheWrite(string Key, string Scope, TimeSpan Fresh, TimeSpan Keep);
