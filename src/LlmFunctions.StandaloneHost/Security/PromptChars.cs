using System.Text.Json;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>Counts a request's prompt characters the way the gateway sizes a prompt: the text of every message
/// (<c>messages[].content</c>, a string or parts' <c>text</c>).</summary>
internal static class PromptChars
{
    /// <summary>The most bytes read to count; a larger body is refused by the function itself (413).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Reads the body (leaving it readable again from the start) and counts; 0 for a body that is not a chat request.</summary>
    public static async Task<int> CountAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || request.ContentLength > MaxBodyBytes || !HttpMethods.IsPost(request.Method))
        {
            return 0;
        }

        request.EnableBuffering(MaxBodyBytes);
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 32 }, cancellationToken);
            return Count(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            // Not JSON, or over the buffer's limit: the function answers that with its own 400 or 413.
            return 0;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    internal static int Count(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        long total = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content", out var content))
            {
                continue;
            }

            if (content.ValueKind == JsonValueKind.String)
            {
                total += content.GetString()!.Length;
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        total += text.GetString()!.Length;
                    }
                }
            }
        }

        return (int)Math.Min(total, int.MaxValue);
    }
}
