extern alias FunctionApp;

using Azure.Data.Tables;
using LlmFunctions.Classification;
using FunctionApp::LlmFunctions.FunctionApp.Functions;
using LlmFunctions.Health;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.FunctionApp;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ResetExpiredCooldownsTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);
    private static readonly ProviderKey Groq = new("Groq", "llama-3.1-8b-instant");
    private static readonly ProviderKey Cerebras = new("Cerebras", "llama3.1-8b");
    private static readonly ProviderKey Mistral = new("Mistral", "mistral-small-latest");
    private static readonly ProviderKey Gemini = new("Gemini", "gemini-2.0-flash");
    private static readonly ProviderKey OpenRouter = new("OpenRouter", "meta-llama/llama-3.1-8b-instruct:free");

    private readonly string _table = AzuriteFixture.UniqueTableName();
    private readonly FakeTimeProvider _time = new(Start);

    /// <summary>One gateway host: its own table and blob clients on the shared account and clock.</summary>
    private ProviderHealthStore NewStore() =>
        new(
            new TableServiceClient(azurite.ConnectionString),
            Options.Create(new HealthOptions { TableName = _table }),
            _time,
            NullLogger<ProviderHealthStore>.Instance,
            () => 0,
            ProviderHealthStore.DefaultMaxAttempts);

    private static AttemptOutcome RateLimited(DateTimeOffset? retryAt) =>
        new() { Class = ErrorClass.RateLimited, HttpStatus = 429, Reason = "HTTP 429 Too Many Requests", RetryAt = retryAt };

    private static AttemptOutcome Transient() => new() { Class = ErrorClass.Transient, HttpStatus = 503, Reason = "HTTP 503 Service Unavailable" };

    [Fact]
    public async Task Sweep_AfterGatesExpire_HalfOpensThemAndKeepsUnexpiredOnes()
    {
        var store = NewStore();
        await store.DisableAsync(Groq, Start.AddMinutes(10), "operator");
        await store.RecordAsync(Cerebras, RateLimited(Start.AddMinutes(2)));
        for (var i = 0; i < 5; i++)
        {
            await store.RecordAsync(Mistral, Transient());
        }

        await store.DisableAsync(Gemini, Start.AddHours(2), "operator");
        await store.RecordAsync(OpenRouter, RateLimited(Start.AddHours(1)));
        var log = new CapturingLogger<ResetExpiredCooldowns>();
        var function = new ResetExpiredCooldowns(NewStore(), log);

        Assert.Equal(0, await function.SweepAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromMinutes(10));
        var lifted = await function.SweepAsync(CancellationToken.None);

        Assert.Equal(3, lifted);
        foreach (var key in new[] { Groq, Cerebras, Mistral })
        {
            var health = await store.GetAsync(key);
            Assert.Equal(CircuitState.HalfOpen, health.Circuit);
            Assert.Null(health.DisabledUntil);
            Assert.Null(health.CooldownUntil);
            Assert.Null(health.OpenUntil);
            Assert.Equal(AvailabilityKind.ProbeAvailable, health.AvailabilityAt(_time.GetUtcNow()).Kind);
        }

        Assert.Equal(AvailabilityKind.Disabled, (await store.GetAsync(Gemini)).AvailabilityAt(_time.GetUtcNow()).Kind);
        Assert.Equal(Start.AddHours(2), (await store.GetAsync(Gemini)).DisabledUntil);
        Assert.Equal(Start.AddHours(1), (await store.GetAsync(OpenRouter)).CooldownUntil);
        Assert.Equal(3, log.Entries.Count(e => e.EventId.Id == 5101));
        Assert.Contains(log.Entries, e => e.Message.Contains("Mistral/mistral-small-latest", StringComparison.Ordinal) && e.Message.Contains("Open -> HalfOpen", StringComparison.Ordinal));
        Assert.Equal(0, await function.SweepAsync(CancellationToken.None));
    }
}
