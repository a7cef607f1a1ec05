using System.Globalization;
using System.Text.Json;
using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Http;
using LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Providers;
using LlmFunctions.Routes;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>Builds the OpenAI-shaped bodies of <c>/v1/chat/completions</c>, each with the <c>llmfunctions</c>
/// telemetry extension that says which providers were tried and why.</summary>
internal static class ChatCompletionResults
{
    // Not an official status: nginx's "client closed request", so logs tell an abandoned request from a failure.
    public const int ClientClosedRequest = 499;

    /// <summary>The provider's response passed through whole (every choice, tool calls, finish reasons, usage and
    /// fields the gateway does not know), with <c>model</c> set to what answered (<c>Provider/model</c>), <c>id</c>,
    /// <c>object</c> and <c>created</c> filled in when the provider left them out, and the <c>llmfunctions</c>
    /// telemetry beside them.</summary>
    public static IResult Completion(FailoverState state, Finish finish, ChatCompletion completion, DateTimeOffset now, AnswerSource source)
    {
        var winner = finish.Winner!;
        return Answer(completion.Body ?? CompletionBodyOf(completion), winner.Key.ToString(), PromptTelemetry.Metadata(state, winner, completion, source), now);
    }

    /// <summary>An answer's body with <c>model</c> set to <paramref name="model"/> (unless null), <c>id</c>,
    /// <c>object</c> and <c>created</c> filled in when missing, and <paramref name="metadata"/> as
    /// <c>llmfunctions</c>.</summary>
    public static IResult Answer(JsonElement body, string? model, object metadata, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (!body.TryGetProperty("id"u8, out _))
            {
                writer.WriteString("id"u8, "chatcmpl-" + Guid.NewGuid().ToString("N"));
            }

            if (!body.TryGetProperty("object"u8, out _))
            {
                writer.WriteString("object"u8, "chat.completion"u8);
            }

            if (!body.TryGetProperty("created"u8, out _))
            {
                writer.WriteNumber("created"u8, now.ToUnixTimeSeconds());
            }

            foreach (var property in body.EnumerateObject())
            {
                if (property.NameEquals("model"u8) && model is not null)
                {
                    writer.WriteString("model"u8, model);
                }
                else if (!property.NameEquals("llmfunctions"u8))
                {
                    property.WriteTo(writer);
                }
            }

            if (!body.TryGetProperty("model"u8, out _) && model is not null)
            {
                writer.WriteString("model"u8, model);
            }

            writer.WritePropertyName("llmfunctions"u8);
            JsonSerializer.Serialize(writer, metadata);
            writer.WriteEndObject();
        }

        return Results.Bytes(buffer.ToArray(), "application/json; charset=utf-8");
    }

    // A completion built without a body (not from a provider's answer): one choice from its fields.
    private static JsonElement CompletionBodyOf(ChatCompletion completion) => JsonSerializer.SerializeToElement(new
    {
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
        usage = completion is { PromptTokens: { } p, CompletionTokens: { } c } ? new { prompt_tokens = p, completion_tokens = c, total_tokens = p + c } : null,
    });

    public static IResult Error(int status, string type, string message, string? param = null, string? code = null, FailoverState? state = null, IReadOnlyList<string>? reasons = null) =>
        OpenAiError.Result(status, type, message, param, code, state is null ? null : new { reasons, attempts = PromptTelemetry.Attempts(state) });

    public static IResult Invalid(InputError error) =>
        Error(error.StatusCode, "invalid_request_error", error.Message, error.Param, error.StatusCode == StatusCodes.Status413PayloadTooLarge ? "payload_too_large" : null);

    public static int RetryAfterSeconds(DateTimeOffset? retryAt, DateTimeOffset now) =>
        retryAt is { } at ? Math.Max(1, (int)Math.Ceiling(Math.Min((at - now).TotalSeconds, int.MaxValue))) : 1;

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
