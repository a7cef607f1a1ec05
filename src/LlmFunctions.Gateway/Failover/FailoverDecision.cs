using System.Text.Json.Serialization;
using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>The one next action of a request, as decided by <see cref="FailoverPolicy"/>. Closed hierarchy.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$kind")]
[JsonDerivedType(typeof(AttemptProvider), "attempt")]
[JsonDerivedType(typeof(WaitThenRetry), "wait")]
[JsonDerivedType(typeof(SkipProvider), "skip")]
[JsonDerivedType(typeof(Finish), "finish")]
public abstract record FailoverDecision
{
    private protected FailoverDecision()
    {
    }
}

/// <summary>Call this provider now. When <paramref name="IsProbe"/>, win the probe lease first; on losing it, re-read
/// health and ask again.</summary>
/// <param name="Key">The provider and model to call.</param>
/// <param name="AttemptNumber">The 1-based attempt number on this provider within the request.</param>
/// <param name="IsProbe">Whether this call is the provider's single recovery probe.</param>
/// <param name="Messages">The messages to send, truncated when <paramref name="Truncated"/>.</param>
/// <param name="Truncated">Whether the messages were truncated to the provider's budget.</param>
/// <param name="PromptChars">The size of <paramref name="Messages"/>.</param>
/// <param name="OriginalPromptChars">The size of the prompt as requested.</param>
/// <param name="WaitBefore">How long the request waited before this attempt.</param>
public sealed record AttemptProvider(
    ProviderKey Key,
    int AttemptNumber,
    bool IsProbe,
    IReadOnlyList<ChatMessage> Messages,
    bool Truncated,
    int PromptChars,
    int OriginalPromptChars,
    TimeSpan WaitBefore) : FailoverDecision
{
    /// <summary>Gets a value indicating whether every other provider is done or deferred: the call is made even if the
    /// provider is suspect of hanging, and waits for a slot however full its queue.</summary>
    public bool LastResort { get; init; }
}

/// <summary>Wait until <paramref name="Until"/> (a durable timer or a delay), record the wait, then ask again: the
/// answer is the retry of <paramref name="Key"/> unless its health changed.</summary>
/// <param name="Key">The provider to retry.</param>
/// <param name="Until">When to ask again.</param>
/// <param name="Delay">The remaining wait from the decision's instant.</param>
/// <param name="Reason">Why the wait.</param>
public sealed record WaitThenRetry(ProviderKey Key, DateTimeOffset Until, TimeSpan Delay, string Reason) : FailoverDecision;

/// <summary>Record that this provider is done for the request, then ask again.</summary>
/// <param name="Key">The provider and model.</param>
/// <param name="Reason">A human-readable reason.</param>
/// <param name="Kind">Why, as a category.</param>
/// <param name="Until">When the blocking state ends, for a blocked provider.</param>
public sealed record SkipProvider(ProviderKey Key, string Reason, SkipKind Kind, DateTimeOffset? Until = null) : FailoverDecision;
