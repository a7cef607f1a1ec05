using System.Text.Json;

namespace LlmFunctions.Streaming;

/// <summary>One event as relayed to the client: an OpenAI <c>chat.completion.chunk</c>'s JSON.</summary>
/// <param name="Data">The chunk's JSON, sent as <c>data: {Data}</c>.</param>
/// <param name="HasToken">Whether it carries content, a tool call or any other delta beyond the role.</param>
/// <param name="HasUsage">Whether it carries <c>usage</c>.</param>
/// <param name="ContentChars">The characters of content it carries (for a usage estimate when none is reported).</param>
public readonly record struct StreamChunk(string Data, bool HasToken, bool HasUsage, int ContentChars = 0);

/// <summary>Turns one provider's events into OpenAI chunks. A provider error event or an event that is not the
/// expected JSON throws (<see cref="StreamFailureException"/>, <see cref="JsonException"/>).</summary>
internal abstract class StreamDialect
{
    /// <summary>The end marker of OpenAI-shaped streams (Cloudflare's too).</summary>
    public const string Done = "[DONE]";

    /// <summary>Adds the chunks for one upstream event to <paramref name="output"/>; returns true at the end marker.</summary>
    public abstract bool Read(SseEvent sse, List<StreamChunk> output);

    /// <summary>Fails with the provider's error event, naming the status it gave (as <c>code</c> or <c>status</c>).</summary>
    protected static StreamFailureException ErrorEvent(JsonElement error, string data)
    {
        int? status = null;
        foreach (var name in (ReadOnlySpan<string>)["status", "code", "status_code"])
        {
            if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty(name, out var value)
                && (value.ValueKind == JsonValueKind.Number ? value.TryGetInt32(out var n) : int.TryParse(value.ValueKind == JsonValueKind.String ? value.GetString() : null, out n))
                && n is >= 400 and <= 599)
            {
                status = n;
                break;
            }
        }

        return new StreamFailureException(StreamFailure.ErrorEvent, data, status);
    }

    /// <summary>Fails for an event that is not a JSON object.</summary>
    protected static JsonException NotAnObject() => new("a stream event is not a JSON object");
}
