using System.Globalization;
using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Providers;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>Builds the OpenAI-shaped bodies of <c>/v1/chat/completions</c>, each with the <c>llmfunctions</c>
/// telemetry extension that says which providers were tried and why.</summary>
internal static class ChatCompletionResults
{
    // Not an official status: nginx's "client closed request", so logs tell an abandoned request from a failure.
    public const int ClientClosedRequest = 499;

    public static IResult Completion(FailoverState state, Finish finish, ChatCompletion completion, DateTimeOffset now)
    {
        var winner = finish.Winner!;
        object? usage = completion is { PromptTokens: { } p, CompletionTokens: { } c }
            ? new { prompt_tokens = p, completion_tokens = c, total_tokens = p + c }
            : null;
        return Results.Json(new
        {
            id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            @object = "chat.completion",
            created = now.ToUnixTimeSeconds(),
            model = winner.Key.ToString(),
            choices = new[]
            {
                new
                {
                    index = 0,
                    message = new { role = "assistant", content = completion.Content },
                    finish_reason = completion.FinishReason ?? "stop",
                    logprobs = (object?)null,
                },
            },
            usage,
            llmfunctions = PromptTelemetry.Metadata(state, winner),
        });
    }

    public static IResult Error(int status, string type, string message, string? param = null, string? code = null, FailoverState? state = null, IReadOnlyList<string>? reasons = null) =>
        Results.Json(
            new
            {
                error = new { message, type, param, code },
                llmfunctions = state is null ? null : new { reasons, attempts = PromptTelemetry.Attempts(state) },
            },
            statusCode: status);

    public static IResult Invalid(InputError error) =>
        Error(error.StatusCode, "invalid_request_error", error.Message, error.Param, error.StatusCode == StatusCodes.Status413PayloadTooLarge ? "payload_too_large" : null);

    public static int RetryAfterSeconds(DateTimeOffset? retryAt, DateTimeOffset now) =>
        retryAt is { } at ? Math.Max(1, (int)Math.Ceiling(Math.Min((at - now).TotalSeconds, int.MaxValue))) : 1;

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
