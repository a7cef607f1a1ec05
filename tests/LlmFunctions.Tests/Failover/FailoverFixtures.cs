using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.Tests.Failover;

/// <summary>Builders for candidates, outcomes and requests; every instant is relative to <see cref="T0"/>.</summary>
internal static class FailoverFixtures
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Pinned like Polly's RetryHelperTests: jitter factor 1 + 0.2 × (2 × 0.4 − 1) = 0.96.</summary>
    public static readonly Func<double> Pinned = () => 0.4;

    public static ProviderKey Key(string provider) => new(provider, "model");

    /// <summary>A provider that answered before and is closed with no gate: callable without a probe.</summary>
    public static ProviderHealth Healthy(ProviderKey key) =>
        ProviderHealth.New(key) with { SuccessCount = 1, LastStatus = 200, UpdatedAt = T0.AddMinutes(-5) };

    public static Candidate Candidate(string provider, int priority, int budget = 6_000, ProviderHealth? health = null) =>
        new(Key(provider), priority, budget, health ?? Healthy(Key(provider)));

    public static AttemptOutcome Outcome(
        ErrorClass errorClass,
        int? status = null,
        DateTimeOffset? retryAt = null,
        bool payloadTooLarge = false,
        string? excerpt = null) =>
        new()
        {
            Class = errorClass,
            HttpStatus = status,
            Reason = status is { } s ? $"HTTP {s}" : errorClass.ToString(),
            RetryAt = retryAt,
            PayloadTooLarge = payloadTooLarge,
            BodyExcerpt = excerpt,
        };

    public static PromptRequest Request(
        string content = "Summarize the incident.",
        TimeSpan? deadline = null,
        IReadOnlyList<string>? hints = null,
        bool allowTruncation = false,
        params ChatMessage[] leading) =>
        new()
        {
            Messages = [.. leading, new ChatMessage("user", content)],
            Deadline = T0 + (deadline ?? TimeSpan.FromSeconds(120)),
            ProviderHints = hints,
            AllowTruncation = allowTruncation,
        };

    public static FailoverPolicy Policy(int maxAttempts = 3) =>
        new(new FailoverOptions { MaxAttemptsPerProvider = maxAttempts }, Pinned);

    /// <summary>Renders a decision compactly so a whole run can be asserted as one sequence.</summary>
    public static string Describe(FailoverDecision decision) => decision switch
    {
        AttemptProvider a => $"attempt {a.Key.Provider}#{a.AttemptNumber}{(a.IsProbe ? " probe" : string.Empty)}{(a.Truncated ? " truncated" : string.Empty)}",
        WaitThenRetry w => $"wait {w.Key.Provider} {w.Delay.TotalMilliseconds}ms",
        SkipProvider s => $"skip {s.Key.Provider} {s.Kind}",
        Finish f => $"finish {f.Kind}",
        _ => decision.ToString(),
    };
}
