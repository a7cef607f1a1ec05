using LlmFunctions.Classification;
using LlmFunctions.Health;

namespace LlmFunctions.Tests.Health;

public sealed class ProviderHealthEntityTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FromHealth_EveryFieldSet_RoundTripsWithEncodedKeys()
    {
        var health = new ProviderHealth
        {
            Key = new ProviderKey("Cloudflare", "@cf/meta/llama-3.1-8b-instruct"),
            Circuit = CircuitState.HalfOpen,
            OpenUntil = Now.AddMinutes(1),
            TripCount = 3,
            ClosedAt = Now.AddMinutes(-5),
            RateLimitStreak = 2,
            ConsecutiveFailures = 7,
            DisabledUntil = Now.AddHours(24),
            DisabledReason = "HTTP 402 Payment Required",
            CooldownUntil = Now.AddHours(1),
            CooldownReason = "HTTP 429 Too Many Requests",
            ProbeOwner = "host-a/req-1",
            ProbeLeaseUntil = Now.AddMinutes(2),
            LastStatus = 503,
            LastErrorClass = "Transient",
            LastError = "upstream timeout",
            SuccessCount = 5_000_000_000,
            FailureCount = 42,
            FailedCallMs = 123_456,
            Quota = new RateLimitQuota(7, Now.AddSeconds(30), 12_000, Now.AddSeconds(6), 30),
            UpdatedAt = Now,
        };

        var entity = ProviderHealthEntity.FromHealth(health);

        Assert.Equal("Cloudflare", entity.PartitionKey);
        Assert.Equal("@cf~2Fmeta~2Fllama-3.1-8b-instruct", entity.RowKey);
        Assert.Equal("HalfOpen", entity.Circuit);
        Assert.Equal(health, entity.ToHealth());
    }

    [Theory]
    [InlineData("Sideways")]
    [InlineData("7")]
    public void ToHealth_UnknownCircuitText_TreatsItAsHalfOpen(string circuit)
    {
        var entity = new ProviderHealthEntity { PartitionKey = "Groq", RowKey = "m", Circuit = circuit };

        Assert.Equal(CircuitState.HalfOpen, entity.ToHealth().Circuit);
    }
}
