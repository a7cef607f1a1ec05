using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Providers;
using LlmFunctions.Routes;
using LlmFunctions.Streaming;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Relays a provider's stream that has produced its first token to the caller as server-sent events, chunk by chunk as
/// they arrive (each written and flushed before the next is read), then <c>data: [DONE]</c>. The last chunk carries the
/// <c>llmfunctions</c> telemetry object: the provider's usage chunk (held back until the end, as only <c>[DONE]</c>
/// follows it) or, without one, a chunk with <c>choices: []</c>, which carries an estimated <c>usage</c> when the caller
/// asked for usage and the provider sent none. A failure after the first token is not retried (the caller holds
/// part of an answer another provider would not continue): it is recorded in the provider's health and ends the stream
/// with an OpenAI-shaped error event, no <c>[DONE]</c>, and an aborted connection, so no client mistakes it for a
/// clean end. A caller that goes away cancels the upstream read at once and counts against no provider.
/// </summary>
internal sealed class ChatCompletionStreamResult(
    StreamingResponse stream,
    FailoverState state,
    AttemptRecord winner,
    bool includeUsage,
    PromptRunner runner,
    ErrorClassifier classifier,
    TimeProvider time,
    AnswerSource source) : IResult
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // An abort drops what the server has not yet put on the wire: the error event gets this long to leave first.
    private static readonly TimeSpan AbortLinger = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        var aborted = httpContext.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx buffer responses unless told not to; a buffered stream is not a stream.
        response.Headers["X-Accel-Buffering"] = "no";
        var started = time.GetTimestamp();
        await using (stream)
        {
            try
            {
                string? usageChunk = null;
                while (await stream.ReadAsync(aborted) is { } chunk)
                {
                    if (usageChunk is not null)
                    {
                        await WriteEventAsync(response, usageChunk, aborted);
                        usageChunk = null;
                    }

                    if (chunk.HasUsage)
                    {
                        usageChunk = chunk.Data;
                        continue;
                    }

                    await WriteEventAsync(response, chunk.Data, aborted);
                }

                await WriteEventAsync(response, LastChunk(usageChunk, time.GetElapsedTime(started)), aborted);
                await WriteEventAsync(response, "[DONE]", aborted);
            }
            catch (Exception) when (aborted.IsCancellationRequested)
            {
                // The caller has gone; disposing the stream closes the provider's connection. Not the provider's failure.
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var outcome = classifier.Classify(ex, cancelledByCaller: false);
                await runner.RecordOutcomeAsync(winner.Key, outcome);
                await EndWithErrorAsync(httpContext, outcome, time.GetElapsedTime(started));
            }
        }
    }

    private async Task EndWithErrorAsync(HttpContext httpContext, AttemptOutcome outcome, TimeSpan elapsed)
    {
        var error = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = ChatCompletionResults.Invariant($"the stream from {winner.Key} failed after {stream.ChunksRead} chunks: {outcome.Reason}; a stream is not retried once part of the answer was sent"),
                ["type"] = "server_error",
                ["param"] = null,
                ["code"] = "stream_interrupted",
            },
            ["llmfunctions"] = Metadata(elapsed, outcome),
        };
        try
        {
            await WriteEventAsync(httpContext.Response, error.ToJsonString(), httpContext.RequestAborted);
            await Task.Delay(AbortLinger, time, httpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The caller may have gone meanwhile; the abort below is all that is left to say.
        }

        httpContext.Abort();
    }

    // The provider's usage chunk with the telemetry added, or a telemetry chunk (with estimated usage when it was asked
    // for and the provider sent none).
    private string LastChunk(string? usageChunk, TimeSpan elapsed)
    {
        var metadata = Metadata(elapsed, failure: null);
        if (usageChunk is not null && JsonNode.Parse(usageChunk) is JsonObject provided)
        {
            provided["llmfunctions"] = metadata;
            return provided.ToJsonString();
        }

        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion.chunk",
            ["created"] = time.GetUtcNow().ToUnixTimeSeconds(),
            ["model"] = winner.Key.ToString(),
            ["choices"] = new JsonArray(),
        };
        if (includeUsage)
        {
            var prompt = UsageEstimate.Tokens(winner.PromptChars);
            var completion = UsageEstimate.Tokens(stream.ContentChars);
            chunk["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
            metadata["usage_estimated"] = true;
        }

        chunk["llmfunctions"] = metadata;
        return chunk.ToJsonString();
    }

    // The request's telemetry, each stream attempt's time to its first token (its duration: the attempt ends there),
    // and how the relay went.
    private JsonObject Metadata(TimeSpan elapsed, AttemptOutcome? failure)
    {
        var metadata = JsonSerializer.SerializeToNode(PromptTelemetry.Metadata(state, winner, source: source), Json)!.AsObject();
        foreach (var attempt in metadata["attempts"]!.AsArray())
        {
            if (attempt?["error_class"]?.GetValue<string>() == nameof(ErrorClass.Success))
            {
                attempt["time_to_first_token_ms"] = attempt["duration_ms"]!.GetValue<long>();
            }
        }

        metadata["stream"] = new JsonObject
        {
            ["time_to_first_token_ms"] = (long)winner.Duration.TotalMilliseconds,
            ["relay_ms"] = (long)elapsed.TotalMilliseconds,
            ["chunks"] = stream.ChunksRead,
            ["usage_sent"] = includeUsage ? stream.SawUsage : null,
            ["completed"] = failure is null,
            ["error_class"] = failure?.Class.ToString(),
            ["http_status"] = failure?.HttpStatus,
            ["reason"] = failure?.Reason,
        };
        return metadata;
    }

    private static async Task WriteEventAsync(HttpResponse response, string data, CancellationToken cancellationToken)
    {
        var writer = response.BodyWriter;
        writer.Write(DataPrefix);
        Encoding.UTF8.GetBytes(data, writer);
        writer.Write(EventEnd);
        var flushed = await writer.FlushAsync(cancellationToken);
        if (flushed.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
