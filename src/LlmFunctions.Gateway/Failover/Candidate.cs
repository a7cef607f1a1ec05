using System.Text.Json.Serialization;
using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>One configured provider and model that may serve the request, with its health as last read.</summary>
/// <param name="Key">The provider and model.</param>
/// <param name="Priority">Lower is tried first (after provider hints).</param>
/// <param name="MaxPromptChars">The provider's prompt budget in characters.</param>
/// <param name="Health">The shared health as last read; the driver re-reads it between steps.</param>
/// <param name="BudgetSetting">The configuration key of <paramref name="MaxPromptChars"/>, quoted in errors; null means
/// <c>LlmFunctions:Providers:{Provider}:MaxPromptChars</c>.</param>
/// <param name="Kind">The provider's wire protocol, which decides the fields it can honour.</param>
/// <param name="Weight">The provider's share of traffic under weighted spreading.</param>
/// <param name="InFlight">This instance's calls in flight to it when last read, for least-busy spreading.</param>
public sealed record Candidate(
    ProviderKey Key,
    int Priority,
    int MaxPromptChars,
    ProviderHealth Health,
    string? BudgetSetting = null,
    ProviderKind Kind = ProviderKind.OpenAiCompatible,
    double Weight = 1,
    int InFlight = 0)
{
    /// <summary>Gets the configuration key of the budget, for messages.</summary>
    [JsonIgnore]
    public string BudgetSettingName => BudgetSetting ?? $"LlmFunctions:Providers:{Key.Provider}:MaxPromptChars";
}
