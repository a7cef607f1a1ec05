using System.Buffers;
using System.Globalization;
using System.Text.Json;
using LlmFunctions.Providers;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Reads and validates an OpenAI chat completions body by hand, so that every error names the exact field
/// (<c>messages[1].role</c>) rather than a serializer's internals. Fields it does not know are kept and relayed to
/// the provider unchanged (see docs/openai.md).
/// </summary>
internal static class ChatCompletionReader
{
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxMessages = 10_000;
    public const int MaxTokensLimit = 100_000;
    public const int MaxDeadlineSeconds = 300;

    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    // Fields the gateway consumes itself: model is rewritten per provider, messages may be truncated, stream picks the
    // response mode, and the extensions are the gateway's own.
    private static readonly string[] Consumed = ["model", "messages", "stream", "allow_truncation", "deadline_seconds"];

    /// <summary>Reads at most <see cref="MaxBodyBytes"/>; a longer body is refused with 413 without reading it all.</summary>
    public static async Task<(byte[]? Body, InputError? Error)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var tooLarge = new InputError($"request body exceeds the limit of {MaxBodyBytes} bytes (1 MiB)", null, StatusCodes.Status413PayloadTooLarge);
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, tooLarge);
        }

        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    return (null, tooLarge);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (buffer.ToArray(), null);
    }

    public static (ChatCompletionInput? Input, InputError? Error) Parse(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return (null, new InputError($"request body is not valid JSON: {ex.Message}", null));
        }

        using (document)
        {
            try
            {
                return (Read(document.RootElement, JsonText.MayHoldInvalidText(body)), null);
            }
            catch (InputException ex)
            {
                return (null, ex.Error);
            }
        }
    }

    private static ChatCompletionInput Read(JsonElement root, bool mayHoldInvalidText)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Fail(null, $"request body must be a JSON object, was {Kind(root)}");
        }

        // Everything is relayed byte for byte, so every string must be text a provider can read.
        if (mayHoldInvalidText && JsonText.FindInvalid(root) is { } invalid)
        {
            var path = invalid.Length == 0 ? null : invalid;
            throw Fail(path, $"{path ?? "the request body"} is not valid text: it holds invalid UTF-8 or an unpaired surrogate escape (\\uD800-\\uDFFF)");
        }

        var stream = Optional(root, "stream") is { } st && Bool(st, "stream");
        var includeUsage = Optional(root, "stream_options") is { } so && IncludeUsage(so);

        var model = Optional(root, "model") is { } m ? String(m, "model", 256) : null;
        if (string.IsNullOrWhiteSpace(model) || string.Equals(model, "auto", StringComparison.OrdinalIgnoreCase))
        {
            model = null;
        }

        // Checked here so that a bad value is a 400 naming the field, not a provider's refusal; relayed as sent.
        _ = Optional(root, "max_tokens") is { } mt ? Int(mt, "max_tokens", 1, MaxTokensLimit) : 0;
        _ = Optional(root, "max_completion_tokens") is { } mct ? Int(mct, "max_completion_tokens", 1, MaxTokensLimit) : 0;
        _ = Optional(root, "temperature") is { } t ? Number(t, "temperature", 0, 2) : 0;
        _ = Optional(root, "n") is { } n ? Int(n, "n", 1, 128) : 0;
        var truncation = Optional(root, "allow_truncation") is { } at && Bool(at, "allow_truncation");
        var deadline = Optional(root, "deadline_seconds") is { } ds ? Number(ds, "deadline_seconds", 1, MaxDeadlineSeconds) : (double?)null;
        return new ChatCompletionInput(model, Messages(root), Parameters(root), truncation, deadline)
        {
            Stream = stream,
            IncludeUsage = stream && includeUsage,
        };
    }

    // The body without what the gateway itself consumes or rewrites per provider.
    private static JsonElement? Parameters(JsonElement root)
    {
        using var buffer = new MemoryStream();
        var any = false;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (!Consumed.Contains(property.Name, StringComparer.Ordinal))
                {
                    property.WriteTo(writer);
                    any = true;
                }
            }

            writer.WriteEndObject();
        }

        if (!any)
        {
            return null;
        }

        using var parameters = JsonDocument.Parse(buffer.ToArray());
        return parameters.RootElement.Clone();
    }

    private static List<ChatMessage> Messages(JsonElement root)
    {
        if (Optional(root, "messages") is not { } messages)
        {
            throw Fail("messages", "messages is required: a non-empty array of {role, content}");
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw Fail("messages", $"messages must be an array, was {Kind(messages)}");
        }

        var count = messages.GetArrayLength();
        if (count is 0 or > MaxMessages)
        {
            throw Fail("messages", Inv($"messages must hold 1 to {MaxMessages} messages, held {count}"));
        }

        var result = new List<ChatMessage>(count);
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = Inv($"messages[{i++}]");
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw Fail(path, $"{path} must be an object with role and content, was {Kind(message)}");
            }

            var role = Optional(message, "role") is { } r ? String(r, $"{path}.role", 32) : throw Fail($"{path}.role", $"{path}.role is required");
            if (!Roles.Contains(role, StringComparer.Ordinal))
            {
                throw Fail($"{path}.role", $"{path}.role must be one of {string.Join(", ", Roles)}, was '{role}'");
            }

            if (role == "tool" && Optional(message, "tool_call_id") is not { ValueKind: JsonValueKind.String })
            {
                throw Fail($"{path}.tool_call_id", $"{path}.tool_call_id is required for role tool: the id of the tool call it answers");
            }

            var content = Content(Optional(message, "content"), $"{path}.content", nullable: role == "assistant");
            result.Add(new ChatMessage(role, content) { Json = message.Clone() });
        }

        return result;
    }

    // A string, or an array of parts (text, image_url, input_audio, file: each relayed as sent); the budget counts
    // the text. An assistant message that only calls tools has no content.
    private static string Content(JsonElement? content, string path, bool nullable)
    {
        switch (content)
        {
            case null when nullable:
                return string.Empty;
            case null:
                throw Fail(path, $"{path} is required: a string or an array of content parts");
            case { ValueKind: JsonValueKind.String } text:
                return text.GetString()!;
            case { ValueKind: JsonValueKind.Array } parts:
                var texts = new List<string>();
                var i = 0;
                foreach (var part in parts.EnumerateArray())
                {
                    var partPath = Inv($"{path}[{i++}]");
                    if (part.ValueKind != JsonValueKind.Object || Optional(part, "type") is not { ValueKind: JsonValueKind.String })
                    {
                        throw Fail(partPath, $"{partPath} must be a content part: an object with a string type (text, image_url, input_audio, file)");
                    }

                    if (ChatMessage.IsTextPart(part))
                    {
                        texts.Add(Optional(part, "text") is { } t ? String(t, $"{partPath}.text", int.MaxValue) : throw Fail($"{partPath}.text", $"{partPath}.text is required"));
                    }
                }

                return string.Concat(texts);
            default:
                throw Fail(path, $"{path} must be a string or an array of content parts, was {Kind(content.Value)}");
        }
    }

    private static bool IncludeUsage(JsonElement options) =>
        options.ValueKind == JsonValueKind.Object
            ? Optional(options, "include_usage") is { } usage && Bool(usage, "stream_options.include_usage")
            : throw Fail("stream_options", $"stream_options must be an object, was {Kind(options)}");

    private static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string String(JsonElement value, string path, int maxLength)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw Fail(path, $"{path} must be a string, was {Kind(value)}");
        }

        var text = value.GetString()!;
        return text.Length <= maxLength ? text : throw Fail(path, Inv($"{path} must be at most {maxLength} characters, was {text.Length}"));
    }

    private static bool Bool(JsonElement value, string path) =>
        value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Fail(path, $"{path} must be a boolean, was {Kind(value)}"),
        };

    private static int Int(JsonElement value, string path, int min, int max) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max
            ? n
            : throw Fail(path, Inv($"{path} must be a whole number from {min} to {max}, was {Clip(value.GetRawText())}"));

    private static double Number(JsonElement value, string path, double min, double max) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && n >= min && n <= max
            ? n
            : throw Fail(path, Inv($"{path} must be a number from {min} to {max}, was {Clip(value.GetRawText())}"));

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Clip(string value) => value.Length <= 32 ? value : value[..32] + "…";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static InputException Fail(string? param, string message) => new(new InputError(message, param));

    private sealed class InputException(InputError error) : Exception(error.Message)
    {
        public InputError Error { get; } = error;
    }
}
