using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmFunctions.Streaming;

/// <summary>Cloudflare Workers AI streams (<c>data: {"response":"..."}</c> events, usage on the last, then
/// <c>data: [DONE]</c>) translated into OpenAI chunks: the first text carries the assistant role, the end marker
/// becomes a <c>finish_reason: "stop"</c> chunk and, when asked, a usage chunk.</summary>
/// <param name="model">The model id reported in every chunk.</param>
/// <param name="created">The creation time (Unix seconds) reported in every chunk.</param>
/// <param name="includeUsage">Whether the caller asked for a usage chunk.</param>
internal sealed class CloudflareStreamDialect(string model, long created, bool includeUsage) : StreamDialect
{
    private readonly string _id = "chatcmpl-" + Guid.NewGuid().ToString("N");
    private JsonNode? _usage;
    private bool _roleSent;

    /// <inheritdoc />
    public override bool Read(SseEvent sse, List<StreamChunk> output)
    {
        if (sse.Data == Done)
        {
            output.Add(new StreamChunk(Chunk(new JsonObject(), "stop"), HasToken: false, HasUsage: false));
            if (includeUsage && _usage is not null)
            {
                var last = Envelope();
                last["choices"] = new JsonArray();
                last["usage"] = _usage;
                output.Add(new StreamChunk(last.ToJsonString(), HasToken: false, HasUsage: true));
            }

            return true;
        }

        using var document = JsonDocument.Parse(sse.Data);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw NotAnObject();
        }

        if (sse.Type == "error"
            || (root.TryGetProperty("success", out var success) && success.ValueKind == JsonValueKind.False)
            || (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0))
        {
            throw ErrorEvent(root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0 ? list[0] : root, sse.Data);
        }

        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            _usage = JsonNode.Parse(usage.GetRawText());
        }

        if (root.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.String && response.GetString() is { Length: > 0 } text)
        {
            var delta = new JsonObject();
            if (!_roleSent)
            {
                delta["role"] = "assistant";
                _roleSent = true;
            }

            delta["content"] = text;
            output.Add(new StreamChunk(Chunk(delta, null), HasToken: true, HasUsage: false, text.Length));
        }

        return false;
    }

    private string Chunk(JsonObject delta, string? finishReason)
    {
        var chunk = Envelope();
        chunk["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason });
        return chunk.ToJsonString();
    }

    private JsonObject Envelope() => new()
    {
        ["id"] = _id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
    };
}
