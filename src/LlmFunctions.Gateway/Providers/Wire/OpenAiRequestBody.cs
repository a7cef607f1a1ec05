using System.Text.Json;

namespace LlmFunctions.Providers.Wire;

/// <summary>
/// Writes an OpenAI chat completions body from a <see cref="ChatRequest"/>: the provider's <c>model</c>, the messages as
/// the caller sent them (only a truncated one rewritten), <c>stream</c>, and every other field of the caller's body
/// byte for byte.
/// </summary>
internal static class OpenAiRequestBody
{
    public static byte[] Write(ChatRequest request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model"u8, request.Model);
            writer.WritePropertyName("messages"u8);
            writer.WriteStartArray();
            foreach (var message in request.Messages)
            {
                WriteMessage(writer, message);
            }

            writer.WriteEndArray();
            if (request.Parameters is { ValueKind: JsonValueKind.Object } parameters)
            {
                foreach (var property in parameters.EnumerateObject())
                {
                    if (request.Stream || !property.NameEquals("stream_options"u8))
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteBoolean("stream"u8, request.Stream);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        if (message.Json is { ValueKind: JsonValueKind.Object } json)
        {
            json.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("role"u8, message.Role);
        writer.WriteString("content"u8, message.Content);
        writer.WriteEndObject();
    }
}
