using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFunctions.FunctionApp.Orchestration;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// A served answer (cache, degraded, preset) to a <c>"stream": true</c> request, as server-sent events shaped like a
/// provider's: per choice a chunk with the role, content and tool calls, then one with its finish reason; then a chunk
/// with <c>choices: []</c> that carries <c>usage</c> (when asked for and known) and the <c>llmfunctions</c> telemetry;
/// then <c>data: [DONE]</c>.
/// </summary>
/// <param name="answer">The answer.</param>
/// <param name="includeUsage">Whether the caller asked for usage (<c>stream_options.include_usage</c>).</param>
/// <param name="now">The current instant (<c>created</c> when the answer has none).</param>
internal sealed class ServedStreamResult(ServedAnswer answer, bool includeUsage, DateTimeOffset now) : IResult
{
    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var body = JsonNode.Parse(answer.Body.GetRawText())!.AsObject();
        var head = new JsonObject
        {
            ["id"] = body["id"]?.DeepClone() ?? "chatcmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion.chunk",
            ["created"] = body["created"]?.DeepClone() ?? now.ToUnixTimeSeconds(),
            ["model"] = answer.Model ?? body["model"]?.DeepClone(),
        };
        var events = new List<string>();
        foreach (var choice in body["choices"] as JsonArray ?? [])
        {
            var index = choice?["index"]?.DeepClone() ?? 0;
            var message = choice?["message"] as JsonObject;
            var delta = new JsonObject { ["role"] = "assistant", ["content"] = message?["content"]?.DeepClone() };
            if (message?["tool_calls"] is JsonArray calls)
            {
                var indexed = new JsonArray();
                for (var i = 0; i < calls.Count; i++)
                {
                    var call = calls[i]!.DeepClone().AsObject();
                    call["index"] = i;
                    indexed.Add(call);
                }

                delta["tool_calls"] = indexed;
            }

            events.Add(Chunk(head, new JsonObject { ["index"] = index, ["delta"] = delta, ["finish_reason"] = null }));
            events.Add(Chunk(head, new JsonObject { ["index"] = index.DeepClone(), ["delta"] = new JsonObject(), ["finish_reason"] = choice?["finish_reason"]?.DeepClone() ?? "stop" }));
        }

        var last = head.DeepClone().AsObject();
        last["choices"] = new JsonArray();
        if (includeUsage && body["usage"] is JsonObject usage)
        {
            last["usage"] = usage.DeepClone();
        }

        last["llmfunctions"] = JsonSerializer.SerializeToNode(PromptTelemetry.Metadata(answer.Telemetry, null, null, answer.Source));
        events.Add(last.ToJsonString());
        events.Add("[DONE]");
        var aborted = httpContext.RequestAborted;
        foreach (var data in events)
        {
            await response.WriteAsync("data: " + data + "\n\n", Encoding.UTF8, aborted);
        }
    }

    private static string Chunk(JsonObject head, JsonObject choice)
    {
        var chunk = head.DeepClone().AsObject();
        chunk["choices"] = new JsonArray(choice);
        return chunk.ToJsonString();
    }
}
