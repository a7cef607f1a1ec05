using Azure.Data.Tables;
using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Health;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ProviderHealthStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProviderKey Groq = new("Groq", "llama-3.1-8b-instant");

    private readonly string _table = AzuriteFixture.UniqueTableName();
    private readonly FakeTimeProvider _time = new(Start);

    /// <summary>A store as one gateway host would have it: its own client, the shared table and clock.</summary>
    private ProviderHealthStore NewHost(TimeProvider? time = null, ILogger<ProviderHealthStore>? logger = null, Func<double>? jitter = null) =>
        new(
            new TableServiceClient(azurite.ConnectionString),
            Options.Create(new HealthOptions { TableName = _table }),
            time ?? _time,
            logger ?? NullLogger<ProviderHealthStore>.Instance,
            jitter ?? (() => 0),
            ProviderHealthStore.DefaultMaxAttempts);

    private static AttemptOutcome Transient() => new() { Class = ErrorClass.Transient, HttpStatus = 503, Reason = "HTTP 503 Service Unavailable" };

    private static AttemptOutcome Success() => new() { Class = ErrorClass.Success, HttpStatus = 200, Reason = "OK" };

    [Fact]
    public async Task GetAsync_MissingRow_ReturnsNewHealth()
    {
        var health = await NewHost().GetAsync(Groq);

        Assert.Equal(ProviderHealth.New(Groq), health);
    }

    [Fact]
    public async Task RecordAsync_Forbidden_DisablesFor24HoursThenAllowsAProbe()
    {
        var store = NewHost();
        var forbidden = new AttemptOutcome { Class = ErrorClass.AuthFailed, HttpStatus = 403, Reason = "HTTP 403 Forbidden" };

        var change = await store.RecordAsync(Groq, forbidden);
        var stored = await NewHost().GetAsync(Groq);

        Assert.Equal(HealthTransition.Disabled, change.Transition);
        Assert.Equal(Start.AddHours(24), stored.DisabledUntil);
        Assert.Equal("HTTP 403 Forbidden", stored.DisabledReason);
        Assert.Equal(403, stored.LastStatus);
        Assert.Equal(1, stored.FailureCount);
        Assert.Equal(AvailabilityKind.Disabled, stored.AvailabilityAt(_time.GetUtcNow()).Kind);

        _time.Advance(TimeSpan.FromHours(24));

        Assert.Equal(AvailabilityKind.ProbeAvailable, (await store.GetAsync(Groq)).AvailabilityAt(_time.GetUtcNow()).Kind);
    }

    [Fact]
    public async Task TryAcquireProbeAsync_TenHostsAfterBreak_ExactlyOneWinsAndItsSuccessClosesTheCircuit()
    {
        var store = NewHost();
        for (var i = 0; i < 5; i++)
        {
            await store.RecordAsync(Groq, Transient());
        }

        var open = await store.GetAsync(Groq);
        Assert.Equal(CircuitState.Open, open.Circuit);
        Assert.Equal(Start.AddSeconds(15), open.OpenUntil);
        Assert.False(await store.TryAcquireProbeAsync(Groq, "too-early"));

        _time.Advance(TimeSpan.FromSeconds(15));
        var hosts = Enumerable.Range(0, 10).Select(_ => NewHost()).ToArray();
        var results = await Task.WhenAll(hosts.Select((host, i) => host.TryAcquireProbeAsync(Groq, $"host-{i}")));

        var winner = Assert.Single(Enumerable.Range(0, 10), i => results[i]);
        var probing = await store.GetAsync(Groq);
        Assert.Equal(CircuitState.HalfOpen, probing.Circuit);
        Assert.Equal($"host-{winner}", probing.ProbeOwner);
        Assert.Equal(AvailabilityKind.ProbeInFlight, probing.AvailabilityAt(_time.GetUtcNow()).Kind);

        var closed = await hosts[winner].RecordAsync(Groq, Success());

        Assert.Equal(HealthTransition.CircuitClosed, closed.Transition);
        var healthy = await store.GetAsync(Groq);
        Assert.Equal(CircuitState.Closed, healthy.Circuit);
        Assert.Equal(0, healthy.ConsecutiveFailures);
        Assert.Null(healthy.ProbeOwner);
        Assert.Equal(AvailabilityKind.Available, healthy.AvailabilityAt(_time.GetUtcNow()).Kind);
    }

    [Fact]
    public async Task RecordAsync_TwentyParallelTransientFailuresFromFourHosts_TripsExactlyOnceAndLosesNoIncrement()
    {
        // Real clock and real jitter: the conflict pauses really wait, as in production.
        var log = new CapturingLogger<ProviderHealthStore>();
        var hosts = Enumerable.Range(0, 4).Select(_ => NewHost(TimeProvider.System, log, jitter: Random.Shared.NextDouble)).ToArray();
        await hosts[0].GetAsync(Groq); // creates the table so the race is on the row, not on table creation

        var changes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => hosts[i % hosts.Length].RecordAsync(Groq, Transient()))));

        Assert.Single(changes, c => c.IsTrip);
        Assert.Equal(20, changes.Select(c => c.Current.FailureCount).Distinct().Count());
        var stored = await NewHost().GetAsync(Groq);
        Assert.Equal(20, stored.FailureCount);
        Assert.Equal(20, stored.ConsecutiveFailures);
        Assert.Equal(CircuitState.Open, stored.Circuit);
        Assert.Equal(1, stored.TripCount);

        // The race really happened (typically 40-70 rejected writes per run): the counts above survived 409/412 retries.
        Assert.Contains(log.Entries, e => e.EventId.Id == 4110);
    }

    [Fact]
    public async Task RecordAsync_CircuitTrips_LogsOpenedAtInformationWithStableEventId()
    {
        var logger = new CapturingLogger<ProviderHealthStore>();
        var store = NewHost(logger: logger);

        for (var i = 0; i < 5; i++)
        {
            await store.RecordAsync(Groq, Transient());
        }

        var entry = Assert.Single(logger.Entries, e => e.EventId.Id == 4101);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("CircuitOpened", entry.EventId.Name);
        Assert.StartsWith("Circuit for Groq/llama-3.1-8b-instant opened after 5 failures until ", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetExpiredAsync_MixedGates_LiftsOnlyExpiredOnesToHalfOpen()
    {
        var store = NewHost();
        var cooledExpired = new ProviderKey("Cerebras", "llama3.1-8b");
        var cooledLive = new ProviderKey("Cerebras", "qwen-3-32b");
        var openExpired = new ProviderKey("Groq", "gemma2-9b-it");
        var disabledExpired = new ProviderKey("DeepSeek", "deepseek-chat");
        var disabledLive = new ProviderKey("Novita", "meta-llama/llama-3.1-8b-instruct");
        var healthy = new ProviderKey("Mistral", "mistral-small-latest");

        await store.RecordAsync(cooledExpired, new AttemptOutcome { Class = ErrorClass.RateLimited, HttpStatus = 429, Reason = "HTTP 429", RetryAt = Start.AddSeconds(30) });
        await store.RecordAsync(cooledLive, new AttemptOutcome { Class = ErrorClass.RateLimited, HttpStatus = 429, Reason = "HTTP 429", RetryAt = Start.AddHours(1) });
        for (var i = 0; i < 5; i++)
        {
            await store.RecordAsync(openExpired, Transient());
        }

        await store.DisableAsync(disabledExpired, Start.AddMinutes(1), "operator: maintenance");
        await store.RecordAsync(disabledLive, new AttemptOutcome { Class = ErrorClass.NotFound, HttpStatus = 404, Reason = "HTTP 404 Not Found" });
        await store.RecordAsync(healthy, Success());

        _time.Advance(TimeSpan.FromMinutes(2));
        var changes = await store.ResetExpiredAsync();

        Assert.Equal(3, changes.Count);
        Assert.Equal(new HashSet<ProviderKey> { cooledExpired, disabledExpired, openExpired }, changes.Select(c => c.Key).ToHashSet());
        Assert.All(changes, c => Assert.Equal(HealthTransition.HalfOpened, c.Transition));

        var all = (await NewHost().GetAllAsync()).ToDictionary(h => h.Key);
        var now = _time.GetUtcNow();
        Assert.Equal(CircuitState.HalfOpen, all[cooledExpired].Circuit);
        Assert.Null(all[cooledExpired].CooldownUntil);
        Assert.Equal(CircuitState.HalfOpen, all[openExpired].Circuit);
        Assert.Null(all[disabledExpired].DisabledUntil);
        Assert.Equal(AvailabilityKind.ProbeAvailable, all[disabledExpired].AvailabilityAt(now).Kind);
        Assert.Equal(AvailabilityKind.CoolingDown, all[cooledLive].AvailabilityAt(now).Kind);
        Assert.Equal(AvailabilityKind.Disabled, all[disabledLive].AvailabilityAt(now).Kind);
        Assert.Equal(AvailabilityKind.Available, all[healthy].AvailabilityAt(now).Kind);

        Assert.Empty(await NewHost().ResetExpiredAsync());
    }

    [Fact]
    public async Task GetAllAsync_ModelIdsWithSlashesAtSignsAndColons_RoundTripThroughTableKeys()
    {
        var store = NewHost();
        ProviderKey[] keys =
        [
            new("HuggingFace", "meta-llama/Llama-3.1-8B-Instruct"),
            new("Cloudflare", "@cf/meta/llama-3.1-8b-instruct"),
            new("Fireworks", "accounts/fireworks/models/x:free"),
            new("Odd#Provider?", "back\\slash%~"),
        ];

        foreach (var key in keys)
        {
            await store.RecordAsync(key, Success());
        }

        var all = await NewHost().GetAllAsync();

        Assert.Equal(keys.Length, all.Count);
        Assert.Equal(keys.ToHashSet(), all.Select(h => h.Key).ToHashSet());
        Assert.All(all, h => Assert.Equal(1, h.SuccessCount));
        Assert.Equal(1, (await store.GetAsync(keys[1])).SuccessCount);
    }

    [Fact]
    public async Task DisableEnableReset_OperatorActions_PersistAcrossHosts()
    {
        var store = NewHost();

        await store.DisableAsync(Groq, Start.AddDays(3), "operator: billing");
        Assert.Equal(
            new ProviderAvailability(AvailabilityKind.Disabled, Start.AddDays(3), "operator: billing"),
            (await NewHost().GetAsync(Groq)).AvailabilityAt(Start));

        var enabled = await NewHost().EnableAsync(Groq);
        Assert.Equal(HealthTransition.Enabled, enabled.Transition);
        // Enabled and never called: callable, through a single first-call probe.
        Assert.Equal(AvailabilityKind.ProbeAvailable, (await store.GetAsync(Groq)).AvailabilityAt(Start).Kind);

        for (var i = 0; i < 5; i++)
        {
            await store.RecordAsync(Groq, Transient());
        }

        var reset = await NewHost().ResetAsync(Groq);
        var stored = await store.GetAsync(Groq);
        Assert.Equal(CircuitState.Open, reset.FromCircuit);
        Assert.Equal(CircuitState.Closed, stored.Circuit);
        Assert.Equal(0, stored.ConsecutiveFailures);
        Assert.Equal(5, stored.FailureCount);
    }
}
