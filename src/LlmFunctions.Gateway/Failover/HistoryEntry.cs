using System.Text.Json.Serialization;
using LlmFunctions.Health;

namespace LlmFunctions.Failover;

/// <summary>One event of a request's failover history: an attempt, a skip or a wait. Closed hierarchy.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$kind")]
[JsonDerivedType(typeof(AttemptRecord), "attempt")]
[JsonDerivedType(typeof(SkipRecord), "skip")]
[JsonDerivedType(typeof(WaitRecord), "wait")]
public abstract record HistoryEntry
{
    private protected HistoryEntry()
    {
    }

    /// <summary>Gets the provider and model the event concerns.</summary>
    public abstract ProviderKey Key { get; init; }
}
