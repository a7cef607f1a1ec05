using System.Text.Json;

namespace LlmFunctions.Streaming;

/// <summary>OpenAI-compatible streams: each event is already a chunk and is relayed as sent; it is only read to know
/// whether it carries a token, usage or an error.</summary>
internal sealed class OpenAiStreamDialect : StreamDialect
{
    /// <inheritdoc />
    public override bool Read(SseEvent sse, List<StreamChunk> output)
    {
        if (sse.Data == Done)
        {
            return true;
        }

        using var document = JsonDocument.Parse(sse.Data);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw NotAnObject();
        }

        if (sse.Type == "error" || (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null))
        {
            throw ErrorEvent(root.TryGetProperty("error", out var inner) ? inner : root, sse.Data);
        }

        var hasUsage = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
        var (hasToken, contentChars) = Delta(root);
        output.Add(new StreamChunk(sse.Data, hasToken, hasUsage, contentChars));
        return false;
    }

    // A token is anything in a delta beyond its role: content, tool calls, a refusal, reasoning.
    private static (bool HasToken, int ContentChars) Delta(JsonElement root)
    {
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
        {
            return (false, 0);
        }

        var hasToken = false;
        var chars = 0;
        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.ValueKind != JsonValueKind.Object || !choice.TryGetProperty("delta", out var delta) || delta.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var property in delta.EnumerateObject())
            {
                if (property.NameEquals("role"))
                {
                    continue;
                }

                var value = property.Value;
                var length = value.ValueKind == JsonValueKind.String ? value.GetString()!.Length : 0;
                if (property.NameEquals("content"))
                {
                    chars += length;
                }

                hasToken |= length > 0
                    || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0)
                    || value.ValueKind == JsonValueKind.Object;
            }
        }

        return (hasToken, chars);
    }
}
