using System.Text.Json;
using LlmFunctions.Failover;
using LlmFunctions.Routes;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>An answer no provider gave in this request: from the response cache, or the route's degraded or preset
/// content.</summary>
/// <param name="Body">The OpenAI <c>chat.completion</c> body.</param>
/// <param name="Telemetry">The state whose history holds every attempt made before (for <c>llmfunctions</c>).</param>
/// <param name="Source">Which step served it.</param>
internal sealed record ServedAnswer(JsonElement Body, FailoverState Telemetry, AnswerSource Source)
{
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
