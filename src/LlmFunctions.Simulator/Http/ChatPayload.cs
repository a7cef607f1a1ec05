using System.Text;
using System.Text.Json;

namespace LlmFunctions.Simulator;

/// <summary>The parts of a chat request the simulator looks at, and the body as received.</summary>
/// <param name="Model">The model field, when sent.</param>
/// <param name="PromptChars">The text of every message.</param>
/// <param name="LastUserMessage">The last user message's text.</param>
internal sealed record ChatPayload(string? Model, int PromptChars, string LastUserMessage)
{
    /// <summary>Gets a value indicating whether the caller asked for server-sent events (<c>"stream": true</c>).</summary>
    public bool Stream { get; init; }

    /// <summary>Gets a value indicating whether the caller asked for a usage event (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>Gets the body as received (UTF-8 JSON text).</summary>
    public string Body { get; init; } = string.Empty;

    /// <summary>Gets the name of the first function in <c>tools</c>, when tools were offered.</summary>
    public string? ToolName { get; init; }

    /// <summary>Gets the last message's role.</summary>
    public string? LastRole { get; init; }

    /// <summary>Gets the last message's text.</summary>
    public string LastContent { get; init; } = string.Empty;

    /// <summary>Gets the number of choices asked for (<c>n</c>), 1 to 8.</summary>
    public int Choices { get; init; } = 1;

    /// <summary>Reads <c>{model?, messages:[{role, content}]}</c> or Cloudflare's <c>{prompt}</c>; null when the body is not that.</summary>
    public static async Task<ChatPayload?> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            using var buffer = new MemoryStream();
            await body.CopyToAsync(buffer, cancellationToken);
            var bytes = buffer.ToArray();
            using var document = JsonDocument.Parse(bytes);
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
                return new ChatPayload(model, text.Length, text) { Body = Encoding.UTF8.GetString(bytes), Stream = stream, IncludeUsage = includeUsage };
            }

            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var chars = 0;
            var lastUser = string.Empty;
            var lastContent = string.Empty;
            string? lastRole = null;
            foreach (var message in messages.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                var content = message.TryGetProperty("content", out var c) ? ContentText(c) : string.Empty;
                chars += content.Length;
                lastContent = content;
                lastRole = message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String ? role.GetString() : null;
                if (lastRole == "user")
                {
                    lastUser = content;
                }
            }

            return new ChatPayload(model, chars, lastUser)
            {
                Body = Encoding.UTF8.GetString(bytes),
                Stream = stream,
                IncludeUsage = includeUsage,
                ToolName = FirstToolName(root),
                LastRole = lastRole,
                LastContent = lastContent,
                Choices = root.TryGetProperty("n", out var n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out var count) ? Math.Clamp(count, 1, 8) : 1,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? FirstToolName(JsonElement root) =>
        root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0
        && tools[0].ValueKind == JsonValueKind.Object && tools[0].TryGetProperty("function", out var function)
        && function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;

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
