using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmFunctions.Simulator;

/// <summary>Answers one streaming call with server-sent events in the provider's api shape: OpenAI's
/// <c>chat.completion.chunk</c> events (a role event, content deltas, a finish event, a usage event when asked, then
/// <c>[DONE]</c>) or Cloudflare's <c>{"response": "..."}</c> events ending with usage and <c>[DONE]</c>. Plays the
/// provider's <see cref="StreamSpec"/>: first-token and per-delta delays, a cut, a malformed delta.</summary>
internal sealed class StreamPlayer(
    HttpContext context, ProviderRuntime provider, TimeProvider time, string completionId, string model, CancellationToken cancellationToken)
{
    private const string MalformedEvent = """{"id":"chatcmpl-sim","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":""";
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly TimeSpan CutLinger = TimeSpan.FromMilliseconds(500);
    private readonly long _created = time.GetUtcNow().ToUnixTimeSeconds();

    private bool IsCloudflare => provider.Spec.Api == SimulatorApi.Cloudflare;

    /// <summary>Streams <paramref name="content"/>; returns the outcome to count (ok, cut, malformed chunk, cancelled).</summary>
    public async Task<string> PlayAsync(string content, int promptChars, bool includeUsage)
    {
        var spec = provider.Spec.Stream;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var outcome = SimulatorOutcomes.Ok;
        try
        {
            await response.StartAsync(cancellationToken);
            if (!IsCloudflare)
            {
                await WriteAsync(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null));
            }

            var pieces = Split(content, spec.Chunks);
            for (var i = 0; i < pieces.Count; i++)
            {
                if (spec.CutAfterChunks == i)
                {
                    return await CutAsync();
                }

                await DelayAsync(provider.SampleStreamDelay(i == 0 ? spec.FirstTokenMs : spec.ChunkLatencyMs));
                if (spec.MalformedChunkAt == i + 1)
                {
                    outcome = SimulatorOutcomes.MalformedChunk;
                    await WriteRawAsync(MalformedEvent);
                    continue;
                }

                await WriteAsync(IsCloudflare
                    ? new JsonObject { ["response"] = pieces[i], ["p"] = "sim" }
                    : Chunk(new JsonObject { ["content"] = pieces[i] }, null));
            }

            if (spec.CutAfterChunks == pieces.Count)
            {
                return await CutAsync();
            }

            await FinishAsync((promptChars + 3) / 4, (content.Length + 3) / 4, includeUsage && spec.Usage);
            return outcome;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            return SimulatorOutcomes.StreamCancelled;
        }
    }

    // An abort drops whatever the server has not yet put on the wire: linger so the deltas already flushed reach the
    // client first, as they do when a real connection breaks mid-stream.
    private async Task<string> CutAsync()
    {
        if (provider.Spec.Stream.CutStyle == StreamCutStyle.End)
        {
            return SimulatorOutcomes.StreamCut;
        }

        await Task.Delay(CutLinger, time, cancellationToken);
        context.Abort();
        return SimulatorOutcomes.StreamCut;
    }

    private async Task FinishAsync(int promptTokens, int completionTokens, bool includeUsage)
    {
        var usage = new JsonObject
        {
            ["prompt_tokens"] = promptTokens,
            ["completion_tokens"] = completionTokens,
            ["total_tokens"] = promptTokens + completionTokens,
        };
        if (IsCloudflare)
        {
            await WriteAsync(new JsonObject { ["response"] = string.Empty, ["usage"] = usage });
        }
        else
        {
            await WriteAsync(Chunk(new JsonObject(), "stop"));
            if (includeUsage)
            {
                var last = Chunk(null, null);
                last["usage"] = usage;
                await WriteAsync(last);
            }
        }

        await WriteRawAsync("[DONE]");
    }

    private JsonObject Chunk(JsonObject? delta, string? finishReason) => new()
    {
        ["id"] = completionId,
        ["object"] = "chat.completion.chunk",
        ["created"] = _created,
        ["model"] = model,
        ["choices"] = delta is null
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    private Task WriteAsync(JsonObject data) => WriteRawAsync(data.ToJsonString(WriteOptions));

    private async Task WriteRawAsync(string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n", Encoding.UTF8, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private async Task DelayAsync(TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    // Nearly equal pieces, as many as asked (fewer only when the text is shorter).
    private static List<string> Split(string content, int chunks)
    {
        var pieces = new List<string>();
        if (chunks == 0 || content.Length == 0)
        {
            return pieces;
        }

        var count = Math.Min(chunks, content.Length);
        for (var i = 0; i < count; i++)
        {
            var start = content.Length * i / count;
            var end = content.Length * (i + 1) / count;
            pieces.Add(content[start..end]);
        }

        return pieces;
    }
}
