using System.Text.Json;

namespace LlmFunctions.Providers;

/// <summary>One chat message, as in the OpenAI chat completions API.</summary>
/// <param name="Role">The author's role: <c>system</c>, <c>developer</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The message's text as the payload budget counts it: the string content, or the text parts
/// of an array content joined; empty for a null content (an assistant message that only calls tools).</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>Gets the message as the caller sent it (a JSON object: role, content, tool_calls, tool_call_id, name,
    /// image parts and any other field), relayed whole to OpenAI-compatible providers; null for a message built from
    /// <see cref="Role"/> and <see cref="Content"/> alone.</summary>
    public JsonElement? Json { get; init; }

    /// <summary>Returns this message with its text replaced by <paramref name="text"/> (a truncation). A string content
    /// becomes <paramref name="text"/>; an array content becomes one text part holding <paramref name="text"/> followed
    /// by its non-text parts unchanged; every other field of the message is kept.</summary>
    /// <param name="text">The new text.</param>
    /// <returns>The new message.</returns>
    public ChatMessage WithText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Json is not { ValueKind: JsonValueKind.Object } json)
        {
            return this with { Content = text };
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in json.EnumerateObject())
            {
                if (property.NameEquals("content"u8))
                {
                    writer.WritePropertyName("content"u8);
                    WriteContent(writer, property.Value, text);
                }
                else
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return this with { Content = text, Json = document.RootElement.Clone() };
    }

    private static void WriteContent(Utf8JsonWriter writer, JsonElement content, string text)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            writer.WriteStringValue(text);
            return;
        }

        writer.WriteStartArray();
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text"u8);
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
        foreach (var part in content.EnumerateArray())
        {
            if (!IsTextPart(part))
            {
                part.WriteTo(writer);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>Whether a content part is a text part (<c>{"type":"text","text":"..."}</c>).</summary>
    /// <param name="part">The part.</param>
    /// <returns>True for a text part.</returns>
    public static bool IsTextPart(JsonElement part) =>
        part.ValueKind == JsonValueKind.Object
        && part.TryGetProperty("type"u8, out var type)
        && type.ValueKind == JsonValueKind.String
        && type.ValueEquals("text"u8);
}
