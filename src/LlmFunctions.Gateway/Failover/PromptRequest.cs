using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>What the caller asked for, independent of any provider.</summary>
public sealed record PromptRequest
{
    /// <summary>Gets the conversation.</summary>
    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    /// <summary>Gets the absolute instant by which every attempt and wait must be over (see
    /// <see cref="FailoverOptions.DeadlineFrom"/>).</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>Gets provider names (or <c>Provider/Model</c> keys) to try first, in this order; the rest follow by
    /// priority.</summary>
    public IReadOnlyList<string>? ProviderHints { get; init; }

    /// <summary>Gets the optional cap on generated tokens.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Gets the optional sampling temperature.</summary>
    public double? Temperature { get; init; }

    /// <summary>Gets a value indicating whether the last user message may be cut to fit a provider's budget.</summary>
    public bool AllowTruncation { get; init; }
}
