using System.Text.Json;
using LlmFunctions.Providers;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>A validated <c>/v1/chat/completions</c> request.</summary>
/// <param name="Model">The provider hint, or null for any provider.</param>
/// <param name="Messages">The conversation, never empty.</param>
/// <param name="Parameters">Every other field of the body, relayed to the provider (see <c>PromptRequest.Parameters</c>).</param>
/// <param name="AllowTruncation">Whether the prompt may be cut to fit a provider's budget (extension).</param>
/// <param name="DeadlineSeconds">The request's own time budget (extension).</param>
internal sealed record ChatCompletionInput(
    string? Model,
    IReadOnlyList<ChatMessage> Messages,
    JsonElement? Parameters,
    bool AllowTruncation,
    double? DeadlineSeconds)
{
    /// <summary>Gets a value indicating whether the caller asked for server-sent events (<c>stream</c>).</summary>
    public bool Stream { get; init; }

    /// <summary>Gets a value indicating whether a stream should end with a usage chunk (<c>stream_options.include_usage</c>,
    /// relayed in <see cref="Parameters"/>).</summary>
    public bool IncludeUsage { get; init; }
}

/// <summary>Why a request was refused before anything ran: an OpenAI <c>invalid_request_error</c>.</summary>
/// <param name="Message">Names the field and what was wrong.</param>
/// <param name="Param">The JSON path of the field (e.g. <c>messages[1].role</c>), or null for the whole body.</param>
/// <param name="StatusCode">400, or 413 for an oversize body.</param>
internal sealed record InputError(string Message, string? Param, int StatusCode = StatusCodes.Status400BadRequest);
