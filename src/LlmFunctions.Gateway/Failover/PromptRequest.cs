using System.Text.Json;
using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>What the caller asked for, independent of any provider.</summary>
public sealed record PromptRequest
{
    /// <summary>Gets the conversation, each message with the JSON the caller sent (<see cref="ChatMessage.Json"/>).</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Gets the absolute instant by which every attempt and wait must be over (see
    /// <see cref="FailoverOptions.DeadlineFrom"/>).</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>Gets provider names (or <c>Provider/Model</c> keys) to try first, in this order; the rest follow by
    /// priority.</summary>
    public IReadOnlyList<string>? ProviderHints { get; init; }

    /// <summary>Gets every other field of the caller's body as sent (a JSON object: tools, tool_choice,
    /// response_format, n, stop, seed, temperature, max_tokens, unknown fields), or null for none. It never holds
    /// <c>model</c>, <c>messages</c>, <c>stream</c> or the gateway's extension fields. A <see cref="JsonElement"/>, so
    /// the request stays serializable into Durable history.</summary>
    public JsonElement? Parameters { get; init; }

    /// <summary>Gets a value indicating whether the last user message may be cut to fit a provider's budget.</summary>
    public bool AllowTruncation { get; init; }

    /// <summary>Gets how the candidates are spread (a route's setting), or null for
    /// <see cref="FailoverOptions.Spreading"/>.</summary>
    public SpreadingStrategy? Spreading { get; init; }

    /// <summary>Gets the response-cache entry to write when a provider answers, or null to write none.</summary>
    public Routes.CacheWrite? Cache { get; init; }
}
