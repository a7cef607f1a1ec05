using System.Security.Cryptography;
using System.Text.Json;
using LlmFunctions.Providers;

namespace LlmFunctions.Caching;

/// <summary>
/// Computes the response cache key of a request: the lowercase hex SHA-256 of a versioned canonical document holding the
/// scope, every message and the parameters that change the answer. Two requests that differ only in JSON property order
/// or in fields that do not change the answer get the same key; any other difference gets another key.
/// </summary>
public static class ResponseCacheKey
{
    /// <summary>The version prefix of the canonical document; a change to what the document holds changes it, so old
    /// entries are never read as new ones.</summary>
    public const string Version = "v1";

    /// <summary>The prefix of the gateway's own body fields (<c>llmfunctions</c> and the like): they choose how the
    /// gateway works, not what a model answers.</summary>
    private const string GatewayFieldPrefix = "llmfunctions";

    /// <summary>Body fields that do not change the answer: how it is delivered (<c>stream</c>, <c>stream_options</c>), who
    /// asked (<c>user</c>, <c>metadata</c>) and what the provider does with it afterwards (<c>store</c>,
    /// <c>service_tier</c>).</summary>
    private static readonly HashSet<string> IgnoredParameters = new(StringComparer.Ordinal)
    {
        "stream", "stream_options", "user", "metadata", "store", "service_tier",
    };

    /// <summary>Computes the key.</summary>
    /// <param name="scope">The route's name, or the resolved model string when the request names no route.</param>
    /// <param name="messages">The conversation; each message counts by its role and its JSON as sent
    /// (<see cref="ChatMessage.Json"/>, or <c>{"role","content"}</c> for a message built from text alone), with object
    /// properties sorted.</param>
    /// <param name="parameters">The request's other body fields (a JSON object), or null for none.</param>
    /// <returns>64 lowercase hex digits.</returns>
    public static string Compute(string scope, IReadOnlyList<ChatMessage> messages, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(messages);
        return Convert.ToHexStringLower(SHA256.HashData(CanonicalDocument(scope, messages, parameters)));
    }

    /// <summary>Writes the canonical document the key hashes: <c>v1</c>, a newline, then the JSON array
    /// <c>[scope, [[role, message]...], parameters]</c> with every object's properties in ordinal order.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="parameters">The other body fields.</param>
    /// <returns>The document's UTF-8 bytes.</returns>
    internal static byte[] CanonicalDocument(string scope, IReadOnlyList<ChatMessage> messages, JsonElement? parameters)
    {
        using var buffer = new MemoryStream();
        buffer.Write("v1\n"u8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(scope);
            writer.WriteStartArray();
            foreach (var message in messages)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(message.Role);
                if (message.Json is { } json)
                {
                    WriteCanonical(writer, json);
                }
                else
                {
                    // The object a caller would have sent for this message, so both forms of one message give one key.
                    writer.WriteStartObject();
                    writer.WriteString("content"u8, message.Content);
                    writer.WriteString("role"u8, message.Role);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            WriteParameters(writer, parameters);
            writer.WriteEndArray();
        }

        return buffer.ToArray();
    }

    private static void WriteParameters(Utf8JsonWriter writer, JsonElement? parameters)
    {
        if (parameters is not { } fields || fields.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        if (fields.ValueKind != JsonValueKind.Object)
        {
            WriteCanonical(writer, fields);
            return;
        }

        writer.WriteStartObject();
        foreach (var property in Sorted(fields).Where(p => !IgnoredParameters.Contains(p.Name) && !p.Name.StartsWith(GatewayFieldPrefix, StringComparison.Ordinal)))
        {
            writer.WritePropertyName(property.Name);
            WriteCanonical(writer, property.Value);
        }

        writer.WriteEndObject();
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in Sorted(element))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                // Decoded then re-encoded: "\u0041" and "A" are one string.
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                // As sent: 1 and 1.0 count as different requests, which only costs a miss.
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                writer.WriteBooleanValue(element.GetBoolean());
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static IEnumerable<JsonProperty> Sorted(JsonElement element) =>
        element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal);
}
