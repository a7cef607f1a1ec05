using System.Text.Json;
using LlmFunctions.Failover;
using LlmFunctions.Providers;
using LlmFunctions.Routes;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// The per-attempt telemetry of seed 001 (provider, model, http_status, error class, duration_ms, attempt number,
/// wait before it, fallback_used, prompt_chars, truncated) and the documents built from it: the custom status, the
/// output. One shape for the durable status and <c>/v1/chat/completions</c>.
/// </summary>
internal static class PromptTelemetry
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One attempt as telemetry; <c>fallback_used</c> says whether an earlier provider was tried first.</summary>
    public static object Attempt(AttemptRecord a, FailoverState state) => new
    {
        attempt = a.AttemptNumber,
        provider = a.Key.Provider,
        model = a.Key.Model,
        http_status = a.Outcome.HttpStatus,
        error_class = a.Outcome.Class.ToString(),
        duration_ms = (long)a.Duration.TotalMilliseconds,
        wait_before_ms = (long)a.WaitBefore.TotalMilliseconds,
        fallback_used = FirstProvider(state) is { } first && first != a.Key,
        prompt_chars = a.PromptChars,
        truncated = a.Truncated,
        started_at = a.StartedAt,
        reason = a.Outcome.Reason,
    };

    public static object[] Attempts(FailoverState state) =>
        [.. state.History.OfType<AttemptRecord>().Select(a => Attempt(a, state))];

    /// <summary>The request-level metadata: who answered (if anyone), whether a fallback was used, every attempt, and
    /// every provider passed over with the reason.</summary>
    public static object Metadata(FailoverState state, AttemptRecord? winner, ChatCompletion? completion = null, AnswerSource? source = null) => new
    {
        strategy = source?.StrategyName,
        route = source?.Route,
        tier = source?.Tier,
        cache = source?.Cached is { } cached ? new { stale = cached.Stale, stored_at = cached.StoredAt, served_by = cached.ServedBy, age_seconds = cached.AgeSeconds } : null,
        provider = winner?.Key.Provider,
        model = winner?.Key.Model,
        fallback_used = winner is not null ? FirstProvider(state) != winner.Key : state.History.OfType<AttemptRecord>().Select(a => a.Key).Distinct().Count() > 1,
        prompt_chars = winner?.PromptChars ?? Payload.PayloadBudget.PromptChars(state.Request.Messages),
        truncated = winner?.Truncated ?? false,
        usage_estimated = completion?.UsageEstimated ?? false,
        attempts = Attempts(state),
        skipped = state.History.OfType<SkipRecord>().Select(s => new { provider = s.Key.Provider, model = s.Key.Model, kind = s.Kind.ToString(), reason = s.Reason }).ToArray(),
    };

    /// <summary>The custom status: where the request stands now.</summary>
    /// <param name="phase">calling, waiting, completed or failed.</param>
    /// <param name="state">The request's state.</param>
    /// <param name="calling">The provider being called, in the calling phase.</param>
    /// <param name="until">When the wait ends, in the waiting phase.</param>
    /// <param name="reason">Why the wait, in the waiting phase.</param>
    public static JsonElement CustomStatus(string phase, FailoverState state, Health.ProviderKey? calling = null, DateTimeOffset? until = null, string? reason = null)
    {
        var last = state.History.OfType<AttemptRecord>().LastOrDefault();
        return JsonSerializer.SerializeToElement(
            new
            {
                phase,
                provider = calling?.Provider ?? last?.Key.Provider,
                model = calling?.Model ?? last?.Key.Model,
                attempt = last?.AttemptNumber,
                attempts = state.History.OfType<AttemptRecord>().Count(),
                last_error_class = last?.Outcome.Class.ToString(),
                last_http_status = last?.Outcome.HttpStatus,
                reason = reason ?? (last is { Outcome.Class: not Classification.ErrorClass.Success } ? last.Outcome.Reason : null),
                nextRetryAt = until,
            },
            Json);
    }

    /// <summary>The output of a finished instance.</summary>
    public static JsonElement Output(FailoverState state, Finish finish, ChatCompletion? completion, AnswerSource? source = null) => JsonSerializer.SerializeToElement(
        new
        {
            status = finish.Kind.ToString(),
            content = completion?.Content,
            finish_reason = completion is null ? null : completion.FinishReason ?? "stop",
            usage = completion is { PromptTokens: { } p, CompletionTokens: { } c } ? new { prompt_tokens = p, completion_tokens = c, total_tokens = p + c, estimated = completion.UsageEstimated } : null,
            completion = completion?.Body,
            error = finish.Kind == FinishKind.Succeeded ? null : new { message = finish.Summary, code = ErrorCode(finish.Kind), http_status = finish.HttpStatus, retry_at = finish.RetryAt },
            reasons = finish.Reasons,
            metadata = Metadata(state, finish.Winner, completion, finish.Kind == FinishKind.Succeeded ? source : null),
        },
        Json);

    public static string ErrorCode(FinishKind kind) => kind switch
    {
        FinishKind.Rejected => "provider_rejected",
        FinishKind.PayloadTooLarge => "payload_too_large",
        FinishKind.AllCoolingDown => "all_providers_cooling_down",
        FinishKind.DeadlineExceeded => "deadline_exceeded",
        FinishKind.Cancelled => "cancelled",
        _ => "all_providers_failed",
    };

    private static Health.ProviderKey? FirstProvider(FailoverState state) =>
        state.History.OfType<AttemptRecord>().FirstOrDefault()?.Key;
}
