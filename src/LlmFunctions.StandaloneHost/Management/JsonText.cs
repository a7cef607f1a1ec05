using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>
/// A stored payload (input, output, custom status) written into a response as the Functions host writes it: JSON text
/// as JSON, other text as a JSON string, whitespace-only text as <c>""</c>, none as <c>null</c>.
/// </summary>
/// <param name="Text">The stored text.</param>
[JsonConverter(typeof(JsonTextConverter))]
public readonly record struct JsonText(string? Text);

/// <summary>Writes <see cref="JsonText"/> without building a document of it.</summary>
internal sealed class JsonTextConverter : JsonConverter<JsonText>
{
    public override JsonText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new JsonText(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, JsonText value, JsonSerializerOptions options)
    {
        if (value.Text is null)
        {
            writer.WriteNullValue();
            return;
        }

        var text = value.Text.Trim();
        if (text.Length == 0)
        {
            writer.WriteStringValue(string.Empty);
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            var utf8 = buffer.AsSpan(0, length);
            if (IsOneJsonValue(utf8))
            {
                writer.WriteRawValue(utf8, skipInputValidation: true);
            }
            else
            {
                writer.WriteStringValue(text);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsOneJsonValue(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            // The host falls back to the raw string for text that is not JSON (a terminate reason, an error text).
            return false;
        }
    }
}
