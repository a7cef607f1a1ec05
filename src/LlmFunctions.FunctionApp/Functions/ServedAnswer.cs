using System.Text.Json;
using LlmFunctions.Caching;
using LlmFunctions.Failover;
using LlmFunctions.Routes;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>An answer no provider gave in this request: from the response cache, or the route's degraded or preset
/// content.</summary>
/// <param name="Body">The OpenAI <c>chat.completion</c> body.</param>
/// <param name="Telemetry">The state whose history holds every attempt made before (for <c>llmfunctions</c>).</param>
/// <param name="Source">Which step served it.</param>
/// <param name="Model">The <c>model</c> to report (the <c>Provider/model</c> that gave a cached answer), or null to keep
/// the body's.</param>
internal sealed record ServedAnswer(JsonElement Body, FailoverState Telemetry, AnswerSource Source, string? Model = null)
{
    /// <summary>A cached answer, stale when past its fresh time.</summary>
    /// <param name="at">The run.</param>
    /// <param name="hit">The cache entry.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The answer.</returns>
    public static ServedAnswer Cached(RouteRun at, CachedAnswer hit, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hit);
        var facts = new CacheFacts(!hit.IsFreshAt(now), hit.StoredAt, hit.ServedBy, (long)Math.Max(0, (now - hit.StoredAt).TotalSeconds));
        return new(hit.Body, TelemetryOf(at), new AnswerSource(RouteStrategy.Cache, at.Plan.Name, Cached: facts), hit.ServedBy);
    }

    /// <summary>The degraded or preset answer of the run's current stage.</summary>
    /// <param name="at">The run, at a degraded or preset stage.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The answer.</returns>
    public static ServedAnswer Configured(RouteRun at, DateTimeOffset now) =>
        new(AnswerSource.ConfiguredBody(at, now, "chatcmpl-" + Guid.NewGuid().ToString("N")), TelemetryOf(at), AnswerSource.Of(at));

    /// <summary>The state that carries a run's earlier attempts, for telemetry.</summary>
    /// <param name="at">The run.</param>
    /// <returns>The state.</returns>
    public static FailoverState TelemetryOf(RouteRun at) => new(at.Original, [], at.Earlier);
}
