using System.Text.Json;

namespace LlmFunctions.Providers.Wire;

/// <summary>
/// Reads a provider's 2xx answer into a <see cref="ChatCompletion"/> whose <see cref="ChatCompletion.Body"/> is the
/// whole response in OpenAI's shape, with a usage estimate added (and marked) when the provider sent none.
/// </summary>
internal static class CompletionBody
{
    /// <summary>Reads an OpenAI chat completion, kept whole.</summary>
    public static (ChatCompletion? Completion, string? Error) FromOpenAi(ReadOnlySpan<byte> body, ChatRequest request)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("choices"u8, out var choices)
            || choices.ValueKind != JsonValueKind.Array
            || choices.GetArrayLength() == 0)
        {
            return (null, "no choices");
        }

        var first = choices[0];
        var message = first.ValueKind == JsonValueKind.Object && first.TryGetProperty("message"u8, out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var content = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content"u8, out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : null;
        var callsTools = message.ValueKind == JsonValueKind.Object
            && ((message.TryGetProperty("tool_calls"u8, out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
                || (message.TryGetProperty("function_call"u8, out var call) && call.ValueKind == JsonValueKind.Object));
        if (string.IsNullOrWhiteSpace(content) && !callsTools)
        {
            return (null, "no content");
        }

        var model = root.TryGetProperty("model"u8, out var reported) && reported.ValueKind == JsonValueKind.String && reported.GetString() is { Length: > 0 } name
            ? name
            : request.Model;
        var finishReason = first.TryGetProperty("finish_reason"u8, out var fr) && fr.ValueKind == JsonValueKind.String ? fr.GetString() : null;
        var (promptTokens, completionTokens) = Usage(root);
        if (promptTokens is not null && completionTokens is not null)
        {
            return (new ChatCompletion(content ?? string.Empty, model, finishReason, promptTokens, completionTokens) { Body = root.Clone() }, null);
        }

        var estimatedPrompt = UsageEstimate.Tokens(request.PromptChars);
        var estimatedCompletion = UsageEstimate.Tokens(CompletionChars(choices));
        var withUsage = Rewrite(root, writer => WriteUsage(writer, estimatedPrompt, estimatedCompletion, estimated: true));
        return (new ChatCompletion(content ?? string.Empty, model, finishReason, estimatedPrompt, estimatedCompletion) { Body = withUsage, UsageEstimated = true }, null);
    }

    /// <summary>Builds the OpenAI shape of a completion that arrived in another format (one choice).</summary>
    public static ChatCompletion FromText(string content, string model, string finishReason, int? promptTokens, int? completionTokens, int promptChars)
    {
        var estimated = promptTokens is null || completionTokens is null;
        var prompt = promptTokens ?? UsageEstimate.Tokens(promptChars);
        var completion = completionTokens ?? UsageEstimate.Tokens(content.Length);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "chat.completion"u8);
            writer.WriteString("model"u8, model);
            writer.WriteStartArray("choices"u8);
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, 0);
            writer.WriteStartObject("message"u8);
            writer.WriteString("role"u8, "assistant"u8);
            writer.WriteString("content"u8, content);
            writer.WriteEndObject();
            writer.WriteString("finish_reason"u8, finishReason);
            writer.WriteNull("logprobs"u8);
            writer.WriteEndObject();
            writer.WriteEndArray();
            WriteUsage(writer, prompt, completion, estimated);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return new ChatCompletion(content, model, finishReason, prompt, completion)
        {
            Body = document.RootElement.Clone(),
            UsageEstimated = estimated,
        };
    }

    private static (int? Prompt, int? Completion) Usage(JsonElement root)
    {
        if (!root.TryGetProperty("usage"u8, out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }

        static int? Count(JsonElement usage, ReadOnlySpan<byte> name) =>
            usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;
        return (Count(usage, "prompt_tokens"u8), Count(usage, "completion_tokens"u8));
    }

    // Every choice's text and tool-call arguments: what the provider generated.
    private static long CompletionChars(JsonElement choices)
    {
        long chars = 0;
        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.ValueKind != JsonValueKind.Object || !choice.TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (message.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.String)
            {
                chars += content.GetString()!.Length;
            }

            if (message.TryGetProperty("tool_calls"u8, out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function"u8, out var function) && function.ValueKind == JsonValueKind.Object
                        && function.TryGetProperty("arguments"u8, out var arguments) && arguments.ValueKind == JsonValueKind.String)
                    {
                        chars += arguments.GetString()!.Length;
                    }
                }
            }
        }

        return chars;
    }

    private static void WriteUsage(Utf8JsonWriter writer, int prompt, int completion, bool estimated)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, prompt);
        writer.WriteNumber("completion_tokens"u8, completion);
        writer.WriteNumber("total_tokens"u8, (long)prompt + completion);
        if (estimated)
        {
            writer.WriteBoolean("estimated"u8, true);
        }

        writer.WriteEndObject();
    }

    // The object with its usage replaced by what writeUsage writes.
    private static JsonElement Rewrite(JsonElement root, Action<Utf8JsonWriter> writeUsage)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (!property.NameEquals("usage"u8))
                {
                    property.WriteTo(writer);
                }
            }

            writeUsage(writer);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }
}
