using System.Text;
using System.Text.Json;

namespace LlmFunctions.Simulator;

/// <summary>The parts of a chat request the simulator looks at.</summary>
internal sealed record ChatPayload(string? Model, int PromptChars, string LastUserMessage)
{
    /// <summary>Gets a value indicating whether the caller asked for server-sent events (<c>"stream": true</c>).</summary>
    public bool Stream { get; init; }

    /// <summary>Gets a value indicating whether the caller asked for a usage event (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>Reads <c>{model?, messages:[{role, content}]}</c> or Cloudflare's <c>{prompt}</c>; null when the body is not that.</summary>
    public static async Task<ChatPayload?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var includeUsage = root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;
            if (root.TryGetProperty("prompt", out var prompt) && prompt.ValueKind == JsonValueKind.String)
            {
                var text = prompt.GetString() ?? string.Empty;
                return new ChatPayload(model, text.Length, text) { Stream = stream, IncludeUsage = includeUsage };
            }

            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var chars = 0;
            var lastUser = string.Empty;
            foreach (var message in messages.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                var content = message.TryGetProperty("content", out var c) ? ContentText(c) : string.Empty;
                chars += content.Length;
                if (message.TryGetProperty("role", out var role) && role.ValueEquals("user"))
                {
                    lastUser = content;
                }
            }

            return new ChatPayload(model, chars, lastUser) { Stream = stream, IncludeUsage = includeUsage };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Content is a string, or OpenAI's list of parts whose text parts count.</summary>
    private static string ContentText(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString() ?? string.Empty;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                text.Append(t.GetString());
            }
        }

        return text.ToString();
    }
}
