using System.Globalization;
using System.Text.Json;

namespace LlmFunctions.Providers;

/// <summary>
/// What Cloudflare Workers AI's <c>/ai/run/{model}</c> takes of an OpenAI chat request, and what it cannot honour.
/// It takes text messages (system, user, assistant; <c>developer</c> is sent as <c>system</c>) and <c>max_tokens</c>
/// (or <c>max_completion_tokens</c>), <c>temperature</c>, <c>top_p</c>, <c>seed</c>, <c>frequency_penalty</c>,
/// <c>presence_penalty</c>. A field that changes the answer and that it cannot honour (tools, tool messages, image
/// parts, response_format other than text, n above 1, stop, logit_bias, logprobs) makes the failover skip Cloudflare for
/// that request with the reason (<see cref="CannotHonour"/>); fields with no bearing on the answer (user, metadata,
/// store, service_tier, stream_options) and fields the gateway does not know are not sent to it.
/// </summary>
public static class CloudflareTranslation
{
    private static readonly string[] Relayed = ["temperature", "top_p", "seed", "frequency_penalty", "presence_penalty"];

    /// <summary>Names the first field of the request Cloudflare cannot honour and says why; null when it can serve it.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="parameters">The other body fields.</param>
    /// <returns>The field's JSON path and the reason, or null.</returns>
    public static (string Field, string Reason)? CannotHonour(IReadOnlyList<ChatMessage> messages, JsonElement? parameters)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (var i = 0; i < messages.Count; i++)
        {
            if (MessageProblem(messages[i]) is { } problem)
            {
                return (string.Create(CultureInfo.InvariantCulture, $"messages[{i}]{problem.Suffix}"), problem.Reason);
            }
        }

        if (parameters is not { ValueKind: JsonValueKind.Object } fields)
        {
            return null;
        }

        foreach (var field in fields.EnumerateObject())
        {
            var value = field.Value;
            var cannot = field.Name switch
            {
                "tools" or "functions" => value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0,
                "tool_choice" or "function_call" => value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                    && !(value.ValueKind == JsonValueKind.String && (value.ValueEquals("none"u8) || value.ValueEquals("auto"u8))),
                "response_format" => value.ValueKind == JsonValueKind.Object
                    && !(value.TryGetProperty("type"u8, out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("text"u8)),
                "n" => value.ValueKind == JsonValueKind.Number && (!value.TryGetInt32(out var n) || n != 1),
                "stop" => value.ValueKind is JsonValueKind.String or JsonValueKind.Array,
                "logit_bias" => value.ValueKind == JsonValueKind.Object && value.EnumerateObject().Any(),
                "logprobs" => value.ValueKind == JsonValueKind.True,
                "top_logprobs" => value.ValueKind == JsonValueKind.Number,
                "audio" or "prediction" or "web_search_options" => value.ValueKind == JsonValueKind.Object,
                "modalities" => value.ValueKind == JsonValueKind.Array && value.EnumerateArray().Any(m => !(m.ValueKind == JsonValueKind.String && m.ValueEquals("text"u8))),
                _ => false,
            };
            if (cannot)
            {
                return (field.Name, $"Cloudflare Workers AI cannot honour {field.Name}");
            }
        }

        return null;
    }

    /// <summary>Writes the <c>/ai/run</c> body for <paramref name="request"/>, which must pass <see cref="CannotHonour"/>.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The UTF-8 JSON body.</returns>
    public static byte[] Write(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("messages"u8);
            foreach (var message in request.Messages)
            {
                writer.WriteStartObject();
                writer.WriteString("role"u8, message.Role == "developer" ? "system" : message.Role);
                writer.WriteString("content"u8, message.Content);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (request.Parameters is { ValueKind: JsonValueKind.Object } fields)
            {
                if ((Field(fields, "max_tokens") ?? Field(fields, "max_completion_tokens")) is { } maxTokens)
                {
                    writer.WritePropertyName("max_tokens"u8);
                    maxTokens.WriteTo(writer);
                }

                foreach (var name in Relayed)
                {
                    if (Field(fields, name) is { } value)
                    {
                        writer.WritePropertyName(name);
                        value.WriteTo(writer);
                    }
                }
            }

            if (request.Stream)
            {
                writer.WriteBoolean("stream"u8, true);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static JsonElement? Field(JsonElement fields, string name) =>
        fields.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static (string Suffix, string Reason)? MessageProblem(ChatMessage message)
    {
        if (message.Role == "tool")
        {
            return (".role", "Cloudflare Workers AI cannot take tool results (role tool)");
        }

        if (message.Json is not { ValueKind: JsonValueKind.Object } json)
        {
            return null;
        }

        if (json.TryGetProperty("tool_calls"u8, out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
        {
            return (".tool_calls", "Cloudflare Workers AI cannot take an assistant message's tool_calls");
        }

        if (json.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var part in content.EnumerateArray())
            {
                if (!ChatMessage.IsTextPart(part))
                {
                    return (string.Create(CultureInfo.InvariantCulture, $".content[{i}]"), "Cloudflare Workers AI takes text only, not image, audio or file parts");
                }

                i++;
            }
        }

        return null;
    }
}
