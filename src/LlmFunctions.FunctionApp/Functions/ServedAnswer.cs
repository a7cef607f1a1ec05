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
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(hit);
        return new(hit.Body, at.Telemetry(), AnswerSource.FromCache(at, hit, now), hit.ServedBy);
    }

    /// <summary>The degraded or preset answer of the run's current stage.</summary>
    /// <param name="at">The run, at a degraded or preset stage.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The answer.</returns>
    public static ServedAnswer Configured(RouteRun at, DateTimeOffset now) =>
        new(AnswerSource.ConfiguredBody(at, now, "chatcmpl-" + Guid.NewGuid().ToString("N")), at.Telemetry(), AnswerSource.Of(at));
}
