using Azure;
using Azure.Data.Tables;

namespace LlmFunctions.Health;

/// <summary>
/// The Table Storage row of one <see cref="ProviderHealth"/>: PartitionKey is the encoded provider name, RowKey the
/// encoded model id (see <see cref="TableKeyEncoding"/>); enums are stored as their names.
/// </summary>
internal sealed class ProviderHealthEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;

    public string RowKey { get; set; } = string.Empty;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public string Circuit { get; set; } = nameof(CircuitState.Closed);

    public DateTimeOffset? OpenUntil { get; set; }

    public int TripCount { get; set; }

    public int ConsecutiveFailures { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public int RateLimitStreak { get; set; }

    public DateTimeOffset? DisabledUntil { get; set; }

    public string? DisabledReason { get; set; }

    public DateTimeOffset? CooldownUntil { get; set; }

    public string? CooldownReason { get; set; }

    public string? ProbeOwner { get; set; }

    public DateTimeOffset? ProbeLeaseUntil { get; set; }

    public int? LastStatus { get; set; }

    public string? LastErrorClass { get; set; }

    public string? LastError { get; set; }

    public long SuccessCount { get; set; }

    public long FailureCount { get; set; }

    public long FailedCallMs { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public int? QuotaRemainingRequests { get; set; }

    public DateTimeOffset? QuotaRequestsResetAt { get; set; }

    public long? QuotaRemainingTokens { get; set; }

    public DateTimeOffset? QuotaTokensResetAt { get; set; }

    public int? QuotaLimitRequests { get; set; }

    public static string PartitionKeyFor(ProviderKey key) => TableKeyEncoding.Encode(key.Provider);

    public static string RowKeyFor(ProviderKey key) => TableKeyEncoding.Encode(key.Model);

    public static ProviderHealthEntity FromHealth(ProviderHealth health) => new()
    {
        PartitionKey = PartitionKeyFor(health.Key),
        RowKey = RowKeyFor(health.Key),
        Circuit = health.Circuit.ToString(),
        OpenUntil = health.OpenUntil,
        TripCount = health.TripCount,
        ConsecutiveFailures = health.ConsecutiveFailures,
        ClosedAt = health.ClosedAt,
        RateLimitStreak = health.RateLimitStreak,
        DisabledUntil = health.DisabledUntil,
        DisabledReason = health.DisabledReason,
        CooldownUntil = health.CooldownUntil,
        CooldownReason = health.CooldownReason,
        ProbeOwner = health.ProbeOwner,
        ProbeLeaseUntil = health.ProbeLeaseUntil,
        LastStatus = health.LastStatus,
        LastErrorClass = health.LastErrorClass,
        LastError = health.LastError,
        SuccessCount = health.SuccessCount,
        FailureCount = health.FailureCount,
        FailedCallMs = health.FailedCallMs,
        UpdatedAt = health.UpdatedAt,
        QuotaRemainingRequests = health.Quota?.RemainingRequests,
        QuotaRequestsResetAt = health.Quota?.RequestsResetAt,
        QuotaRemainingTokens = health.Quota?.RemainingTokens,
        QuotaTokensResetAt = health.Quota?.TokensResetAt,
        QuotaLimitRequests = health.Quota?.LimitRequests,
    };

    public ProviderHealth ToHealth() => new()
    {
        Key = new ProviderKey(TableKeyEncoding.Decode(PartitionKey), TableKeyEncoding.Decode(RowKey)),
        // An unreadable state (a hand-edited row) is treated as half-open: one probe decides, not a stampede.
        Circuit = Enum.TryParse<CircuitState>(Circuit, ignoreCase: true, out var circuit) && Enum.IsDefined(circuit) ? circuit : CircuitState.HalfOpen,
        OpenUntil = OpenUntil,
        TripCount = TripCount,
        ConsecutiveFailures = ConsecutiveFailures,
        ClosedAt = ClosedAt,
        RateLimitStreak = RateLimitStreak,
        DisabledUntil = DisabledUntil,
        DisabledReason = DisabledReason,
        CooldownUntil = CooldownUntil,
        CooldownReason = CooldownReason,
        ProbeOwner = ProbeOwner,
        ProbeLeaseUntil = ProbeLeaseUntil,
        LastStatus = LastStatus,
        LastErrorClass = LastErrorClass,
        LastError = LastError,
        SuccessCount = SuccessCount,
        FailureCount = FailureCount,
        FailedCallMs = FailedCallMs,
        UpdatedAt = UpdatedAt,
        Quota = QuotaRemainingRequests is null && QuotaRemainingTokens is null
            ? null
            : new(QuotaRemainingRequests, QuotaRequestsResetAt, QuotaRemainingTokens, QuotaTokensResetAt, QuotaLimitRequests),
    };
}
