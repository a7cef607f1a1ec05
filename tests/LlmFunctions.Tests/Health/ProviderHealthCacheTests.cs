using Azure.Data.Tables;
using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Health;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ProviderHealthCacheTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProviderKey Groq = new("Groq", "llama-3.1-8b-instant");

    private readonly string _table = AzuriteFixture.UniqueTableName();
    private readonly FakeTimeProvider _time = new(Start);

    private static AttemptOutcome Success() => new() { Class = ErrorClass.Success, HttpStatus = 200, Reason = "OK" };

    private static AttemptOutcome Forbidden() => new() { Class = ErrorClass.AuthFailed, HttpStatus = 403, Reason = "HTTP 403 Forbidden" };

    /// <summary>One gateway host: its own store (own table client) and cache over the shared table and clock.</summary>
    private (ProviderHealthStore Store, ProviderHealthCache Cache) NewHost(TimeSpan? refresh = null, TimeSpan? flush = null)
    {
        var options = Options.Create(new HealthOptions
        {
            TableName = _table,
            CacheRefreshInterval = refresh ?? TimeSpan.FromSeconds(1),
            CounterFlushInterval = flush ?? TimeSpan.FromSeconds(1),
        });
        var store = new ProviderHealthStore(new TableServiceClient(azurite.ConnectionString), options, _time, NullLogger<ProviderHealthStore>.Instance);
        return (store, new ProviderHealthCache(store, options, _time, NullLogger<ProviderHealthCache>.Instance));
    }

    private async Task<TableEntity?> ReadRowAsync()
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(_table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(
            ProviderHealthEntity.PartitionKeyFor(Groq), ProviderHealthEntity.RowKeyFor(Groq));
        return row.HasValue ? row.Value : null;
    }

    /// <summary>The first success of a never-seen provider changes state (it becomes known), so it is written at once.</summary>
    private static async Task MakeKnownAsync(ProviderHealthCache cache)
    {
        await cache.GetAllAsync();
        var first = await cache.RecordAsync(Groq, Success());
        Assert.Equal(HealthTransition.CircuitClosed, first.Transition);
    }

    [Fact]
    public async Task RecordAsync_WriteOfThisHost_ServedByCacheWithoutWaitingForARefresh()
    {
        var (_, cache) = NewHost();
        await using var _ = cache;
        Assert.Empty(await cache.GetAllAsync());

        await cache.RecordAsync(Groq, Forbidden());

        var health = (await cache.GetAllAsync())[Groq];
        Assert.Equal(AvailabilityKind.Disabled, health.AvailabilityAt(_time.GetUtcNow()).Kind);
        Assert.Equal("HTTP 403 Forbidden", health.DisabledReason);
    }

    [Fact]
    public async Task GetAllAsync_WriteOfAnotherHost_SeenOnlyAfterTheRefreshInterval()
    {
        var (_, cacheA) = NewHost();
        var (storeB, cacheB) = NewHost();
        await using var a = cacheA;
        await using var b = cacheB;
        Assert.Empty(await cacheA.GetAllAsync());

        await storeB.DisableAsync(Groq, Start.AddHours(1), "rotating key");
        Assert.Empty(await cacheA.GetAllAsync());

        _time.Advance(TimeSpan.FromSeconds(1));
        await SimulatorTestHost.WaitUntilAsync(
            () => cacheA.GetAllAsync().AsTask().GetAwaiter().GetResult().ContainsKey(Groq),
            "host A's cache to refresh");
        Assert.Equal("rotating key", (await cacheA.GetAllAsync())[Groq].DisabledReason);
    }

    [Fact]
    public async Task GetAllAsync_CacheDisabled_ReadsTheTableEveryTime()
    {
        var (_, cacheA) = NewHost(refresh: TimeSpan.Zero);
        var (storeB, cacheB) = NewHost();
        await using var a = cacheA;
        await using var b = cacheB;
        Assert.Empty(await cacheA.GetAllAsync());

        await storeB.DisableAsync(Groq, Start.AddHours(1), "rotating key");

        Assert.Equal("rotating key", (await cacheA.GetAllAsync())[Groq].DisabledReason);
    }

    [Fact]
    public async Task RecordAsync_SuccessesOnSteadyProvider_NoTableWriteUntilOneFlushWritesThemAll()
    {
        const int successes = 25;
        var (_, cache) = NewHost();
        await using var _ = cache;
        await MakeKnownAsync(cache);
        var before = await ReadRowAsync();

        for (var i = 0; i < successes; i++)
        {
            var change = await cache.RecordAsync(Groq, Success());
            Assert.Equal(HealthTransition.None, change.Transition);
        }

        var unchanged = await ReadRowAsync();
        Assert.Equal(before!.ETag, unchanged!.ETag);
        Assert.Equal(1L, unchanged.GetInt64("SuccessCount"));
        Assert.Equal(1 + successes, (await cache.GetAllAsync())[Groq].SuccessCount);
        Assert.Equal(successes, cache.UnflushedSuccesses);

        // The flush timer runs on the injected clock.
        _time.Advance(TimeSpan.FromSeconds(1));
        await SimulatorTestHost.WaitUntilAsync(() => cache.UnflushedSuccesses == 0, "the counter flush");

        var flushed = await ReadRowAsync();
        Assert.Equal(1L + successes, flushed!.GetInt64("SuccessCount"));
        Assert.Equal(1 + successes, (await cache.GetAllAsync())[Groq].SuccessCount);
    }

    [Fact]
    public async Task RecordAsync_FailureAfterCoalescedSuccesses_WrittenAtOnceAndFlushKeepsBoth()
    {
        var (_, cache) = NewHost();
        await using var _ = cache;
        await MakeKnownAsync(cache);
        await cache.RecordAsync(Groq, Success());
        await cache.RecordAsync(Groq, Success());

        await cache.RecordAsync(Groq, Forbidden());

        var row = await ReadRowAsync();
        Assert.Equal(1L, row!.GetInt64("FailureCount"));
        Assert.Equal(0, await cache.FlushAsync());
        row = await ReadRowAsync();
        Assert.Equal(3L, row!.GetInt64("SuccessCount"));
        Assert.Equal(403, row.GetInt32("LastStatus"));
        Assert.Equal(AvailabilityKind.Disabled, (await cache.GetAllAsync())[Groq].AvailabilityAt(_time.GetUtcNow()).Kind);
    }

    [Fact]
    public async Task DisposeAsync_UnflushedSuccesses_WritesThemSoNoneIsLost()
    {
        const int successes = 40;
        var (store, cache) = NewHost(flush: TimeSpan.FromMinutes(1));
        await MakeKnownAsync(cache);
        await Parallel.ForAsync(0, successes, async (_, ct) => await cache.RecordAsync(Groq, Success(), ct));
        Assert.Equal(successes, cache.UnflushedSuccesses);

        await cache.DisposeAsync();

        Assert.Equal(1 + successes, (await store.GetAsync(Groq)).SuccessCount);
    }

    [Fact]
    public async Task FlushAsync_TableGone_KeepsCountsAndWritesThemOnceTheTableIsBack()
    {
        var (store, cache) = NewHost(flush: TimeSpan.FromMinutes(1));
        await using var _ = cache;
        await MakeKnownAsync(cache);
        await cache.RecordAsync(Groq, Success());
        await cache.RecordAsync(Groq, Success());
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(_table);
        await table.DeleteAsync();

        Assert.Equal(1, await cache.FlushAsync());
        Assert.Equal(2, cache.UnflushedSuccesses);

        await table.CreateIfNotExistsAsync();
        Assert.Equal(0, await cache.FlushAsync());
        Assert.Equal(0, cache.UnflushedSuccesses);
        Assert.Equal(2, (await store.GetAsync(Groq)).SuccessCount);
    }

    [Fact]
    public async Task RecordAsync_FlushIntervalZero_WritesEverySuccessAtOnce()
    {
        var (store, cache) = NewHost(flush: TimeSpan.Zero);
        await using var _ = cache;
        await MakeKnownAsync(cache);

        await cache.RecordAsync(Groq, Success());

        Assert.Equal(0, cache.UnflushedSuccesses);
        Assert.Equal(2, (await store.GetAsync(Groq)).SuccessCount);
    }
}
