using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>The JSON shape of one provider's state in <c>/api/providers</c>.</summary>
internal sealed record ProviderStateView(
    string Name,
    string Kind,
    int Priority,
    int MaxPromptChars,
    double TimeoutSeconds,
    long FailedCallMs,
    IReadOnlyList<ModelStateView> Models)
{
    /// <summary>The provider's state; <c>FailedCallMs</c> sums its models' time spent in calls that failed.</summary>
    public static ProviderStateView From(ProviderDescriptor provider, IReadOnlyDictionary<ProviderKey, ProviderHealth> health, DateTimeOffset now)
    {
        var models = provider.Models.Select(m =>
        {
            var key = new ProviderKey(provider.Name, m);
            return ModelStateView.From(health.GetValueOrDefault(key) ?? ProviderHealth.New(key), now);
        }).ToList();
        return new(
            provider.Name,
            provider.Kind.ToString(),
            provider.Priority,
            provider.MaxPromptChars,
            provider.Timeout.TotalSeconds,
            models.Sum(m => m.FailedCallMs),
            models);
    }
}

/// <summary>The JSON shape of one model's shared health.</summary>
internal sealed record ModelStateView(
    string Model,
    string Availability,
    DateTimeOffset? Until,
    string Reason,
    string Circuit,
    int ConsecutiveFailures,
    DateTimeOffset? CooldownUntil,
    string? CooldownReason,
    DateTimeOffset? DisabledUntil,
    string? DisabledReason,
    int? LastStatus,
    string? LastErrorClass,
    string? LastError,
    long SuccessCount,
    long FailureCount,
    long FailedCallMs,
    DateTimeOffset? UpdatedAt,
    QuotaView? Quota)
{
    public static ModelStateView From(ProviderHealth h, DateTimeOffset now)
    {
        var availability = h.AvailabilityAt(now);
        return new(
            h.Key.Model,
            availability.Kind.ToString(),
            availability.Until,
            availability.Reason,
            h.Circuit.ToString(),
            h.ConsecutiveFailures,
            h.CooldownUntil,
            h.CooldownReason,
            h.DisabledUntil,
            h.DisabledReason,
            h.LastStatus,
            h.LastErrorClass,
            h.LastError,
            h.SuccessCount,
            h.FailureCount,
            h.FailedCallMs,
            h.UpdatedAt,
            h.Quota is { } q ? new QuotaView(q.RequestsLeftAt(now), q.LimitRequests, q.RequestsResetAt, q.RemainingTokens, q.TokensResetAt) : null);
    }
}

/// <summary>The rate-limit window a model's provider last reported (<c>x-ratelimit-*</c> headers), as quota-aware
/// spreading reads it: requests left now (the limit again once the window has reset), the limit, when it resets, and
/// tokens left.</summary>
internal sealed record QuotaView(int? RequestsLeft, int? LimitRequests, DateTimeOffset? RequestsResetAt, long? TokensLeft, DateTimeOffset? TokensResetAt);
