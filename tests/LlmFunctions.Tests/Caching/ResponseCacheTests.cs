using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmFunctions.Caching;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace LlmFunctions.Tests.Caching;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ResponseCacheTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Fresh = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Keep = TimeSpan.FromHours(1);

    /// <summary>Storage out of reach must cost a request about a second (two quick retries); the SDK's default retries
    /// alone would take 5.6 s.</summary>
    private static readonly TimeSpan OutageBound = TimeSpan.FromSeconds(3);

    private readonly string _container = "c" + Guid.NewGuid().ToString("N");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _key = ResponseCacheKey.Compute("route:recipes", [new("user", "Soup?")], null);

    /// <summary>A cache as one gateway instance has it: its own client on the shared account and clock.</summary>
    private ResponseCache NewCache(ResponseCacheOptions? options = null, string? connectionString = null, ILogger<ResponseCache>? logger = null) =>
        new(
            new BlobServiceClient(connectionString ?? azurite.ConnectionString, global::LlmFunctions.Storage.StorageConnection.RequestPathBlobOptions())
                .GetBlobContainerClient(_container),
            Options.Create(options ?? new ResponseCacheOptions { Container = _container }),
            _time,
            logger ?? new CapturingLogger<ResponseCache>());

    private BlobContainerClient Container() => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_container);

    private static JsonElement Answer(string text) => JsonSerializer.SerializeToElement(new
    {
        id = "chatcmpl-1",
        @object = "chat.completion",
        model = "llama-3.1-8b-instant",
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
    });

    private static string Text(CachedAnswer answer) =>
        answer.Body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    [Fact]
    public async Task TryStoreThenTryGet_NewEntry_RoundTripsBodyServedByAndInstants()
    {
        var cache = NewCache();

        Assert.True(await cache.TryStoreAsync(_key, "route:recipes", Answer("Tomato soup."), "Groq/llama-3.1-8b-instant", Fresh, Keep));
        var answer = await cache.TryGetAsync(_key);

        Assert.NotNull(answer);
        Assert.Equal(Answer("Tomato soup.").GetRawText(), answer.Body.GetRawText());
        Assert.Equal("Groq/llama-3.1-8b-instant", answer.ServedBy);
        Assert.Equal(Start, answer.StoredAt);
        Assert.Equal(Start + Fresh, answer.FreshUntil);
        Assert.Equal(Start + Keep, answer.KeepUntil);
        Assert.True(answer.IsFreshAt(_time.GetUtcNow()));
    }

    [Fact]
    public async Task TryGetAsync_NoEntryAndNoContainer_ReturnsNull()
    {
        Assert.Null(await NewCache().TryGetAsync(_key));
    }

    [Fact]
    public async Task TryGetAsync_AsTimePasses_FreshThenStaleThenGoneAtKeepUntil()
    {
        var cache = NewCache();
        await cache.TryStoreAsync(_key, "route:recipes", Answer("Tomato soup."), "Groq/llama-3.1-8b-instant", Fresh, Keep);

        _time.Advance(Fresh - TimeSpan.FromSeconds(1));
        Assert.True((await cache.TryGetAsync(_key))!.IsFreshAt(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromSeconds(1));
        var stale = await cache.TryGetAsync(_key);
        Assert.NotNull(stale);
        Assert.False(stale.IsFreshAt(_time.GetUtcNow()));

        _time.Advance(Keep - Fresh - TimeSpan.FromSeconds(1));
        Assert.NotNull(await cache.TryGetAsync(_key));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await cache.TryGetAsync(_key));
    }

    [Fact]
    public async Task TryGetAsync_NewInstanceAsAfterARestart_ReadsWhatTheFirstStored()
    {
        Assert.True(await NewCache().TryStoreAsync(_key, "route:recipes", Answer("Tomato soup."), "Groq/llama-3.1-8b-instant", Fresh, Keep));

        var restarted = await NewCache().TryGetAsync(_key);

        Assert.Equal("Tomato soup.", Text(restarted!));
        Assert.Equal("Groq/llama-3.1-8b-instant", restarted!.ServedBy);
    }

    [Fact]
    public async Task TryStoreAsync_FreshEntryThere_KeepsItAndReturnsFalse()
    {
        var cache = NewCache();
        await cache.TryStoreAsync(_key, "route:recipes", Answer("First."), "Groq/llama-3.1-8b-instant", Fresh, Keep);

        _time.Advance(Fresh - TimeSpan.FromSeconds(1));
        Assert.False(await cache.TryStoreAsync(_key, "route:recipes", Answer("Second."), "Cerebras/llama3.1-8b", Fresh, Keep));

        Assert.Equal("First.", Text((await cache.TryGetAsync(_key))!));
    }

    [Fact]
    public async Task TryStoreAsync_StaleEntryThere_ReplacesIt()
    {
        var cache = NewCache();
        await cache.TryStoreAsync(_key, "route:recipes", Answer("First."), "Groq/llama-3.1-8b-instant", Fresh, Keep);

        _time.Advance(Fresh);
        Assert.True(await cache.TryStoreAsync(_key, "route:recipes", Answer("Second."), "Cerebras/llama3.1-8b", Fresh, Keep));

        var answer = await cache.TryGetAsync(_key);
        Assert.Equal("Second.", Text(answer!));
        Assert.Equal("Cerebras/llama3.1-8b", answer!.ServedBy);
        Assert.Equal(Start + Fresh, answer.StoredAt);
    }

    [Fact]
    public async Task TryStoreAsync_TenInstancesRaceOnANewKey_ExactlyOneWinsAndItsAnswerIsStored()
    {
        var caches = Enumerable.Range(0, 10).Select(_ => NewCache()).ToArray();

        var results = await Task.WhenAll(caches.Select((c, i) => c.TryStoreAsync(_key, "route:recipes", Answer($"Answer {i}."), $"P{i}/m", Fresh, Keep)));

        Assert.Single(results, stored => stored);
        var winner = Array.IndexOf(results, true);
        Assert.Equal($"Answer {winner}.", Text((await NewCache().TryGetAsync(_key))!));
    }

    [Fact]
    public async Task TryStoreAsync_TenInstancesRaceToReplaceAStaleEntry_ExactlyOneWins()
    {
        await NewCache().TryStoreAsync(_key, "route:recipes", Answer("Old."), "Groq/llama-3.1-8b-instant", Fresh, Keep);
        _time.Advance(Fresh);
        var caches = Enumerable.Range(0, 10).Select(_ => NewCache()).ToArray();

        var results = await Task.WhenAll(caches.Select((c, i) => c.TryStoreAsync(_key, "route:recipes", Answer($"Answer {i}."), $"P{i}/m", Fresh, Keep)));

        Assert.Single(results, stored => stored);
        Assert.Equal($"Answer {Array.IndexOf(results, true)}.", Text((await NewCache().TryGetAsync(_key))!));
    }

    [Fact]
    public async Task TryStoreAsync_AnswerHoldingAProviderKey_NotStoredAndLoggedWithoutIt()
    {
        const string Key = "gsk_live_0123456789abcdef";
        var log = new CapturingLogger<ResponseCache>();
        var cache = new ResponseCache(
            new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_container),
            Options.Create(new ResponseCacheOptions { Container = _container }),
            _time,
            log,
            new global::LlmFunctions.Security.SecretRedactor([Key]));

        Assert.False(await cache.TryStoreAsync(_key, "route:recipes", Answer("your key is " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Key))), "Groq/llama-3.1-8b-instant", Fresh, Keep));

        Assert.Null(await cache.TryGetAsync(_key));
        Assert.Contains(log.Entries, e => e.EventId.Name == "CacheEntryHoldsSecret");
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(Key, StringComparison.Ordinal));
        Assert.True(await cache.TryStoreAsync(_key, "route:recipes", Answer("no key here"), "Groq/llama-3.1-8b-instant", Fresh, Keep));
    }

    [Fact]
    public async Task TryStoreAsync_AnswerAboveMaxEntryBytes_NotStoredAndLogged()
    {
        var log = new CapturingLogger<ResponseCache>();
        var cache = NewCache(new ResponseCacheOptions { Container = _container, MaxEntryBytes = 1024 }, logger: log);

        Assert.False(await cache.TryStoreAsync(_key, "route:recipes", Answer(new string('x', 1024)), "Groq/llama-3.1-8b-instant", Fresh, Keep));

        Assert.Null(await cache.TryGetAsync(_key));
        Assert.Contains(log.Entries, e => e.EventId.Name == "CacheEntryTooLarge");
    }

    [Fact]
    public async Task TryGetAsync_BlobWithoutMetadataOrWithABrokenBody_MissLoggedAndAStoreReplacesIt()
    {
        var log = new CapturingLogger<ResponseCache>();
        var cache = NewCache(logger: log);
        var container = Container();
        await container.CreateIfNotExistsAsync();
        var blob = container.GetBlobClient(ResponseCache.BlobPrefix + _key);
        await blob.UploadAsync(BinaryData.FromString("{\"choices\":[]}"));

        Assert.Null(await cache.TryGetAsync(_key));
        Assert.True(await cache.TryStoreAsync(_key, "route:recipes", Answer("Repaired."), "Groq/llama-3.1-8b-instant", Fresh, Keep));
        Assert.Equal("Repaired.", Text((await cache.TryGetAsync(_key))!));

        var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
        await blob.UploadAsync(BinaryData.FromString("{\"choices\":[tru"), new BlobUploadOptions { Metadata = metadata });

        Assert.Null(await cache.TryGetAsync(_key));
        Assert.Equal(["metadata", "body"], log.Entries.Where(e => e.EventId.Name == "CacheEntryUnreadable").Select(e => e.Message.Contains("metadata", StringComparison.Ordinal) ? "metadata" : "body"));
    }

    [Fact]
    public async Task StorageUnreachable_TryGetNullTryStoreFalseQuicklyWithoutThrowing_ThenStoresWhenBack()
    {
        await using var proxy = TcpFaultProxy.ForStorage(azurite.ConnectionString);
        var log = new CapturingLogger<ResponseCache>();
        var cache = NewCache(connectionString: proxy.ConnectionString, logger: log);
        await proxy.BlockAsync();

        var clock = Stopwatch.StartNew();
        var answer = await cache.TryGetAsync(_key);
        var readTook = clock.Elapsed;
        clock.Restart();
        var stored = await cache.TryStoreAsync(_key, "route:recipes", Answer("Tomato soup."), "Groq/llama-3.1-8b-instant", Fresh, Keep);
        var storeTook = clock.Elapsed;
        output.WriteLine($"storage refused: read {readTook.TotalMilliseconds:0} ms, store {storeTook.TotalMilliseconds:0} ms");

        Assert.Null(answer);
        Assert.False(stored);
        Assert.True(readTook < OutageBound, $"the read took {readTook}");
        Assert.True(storeTook < OutageBound, $"the store took {storeTook}");
        Assert.Contains(log.Entries, e => e.EventId.Name == "CacheReadFailed" && e.Message.Contains("ConnectionError", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.EventId.Name == "CacheWriteFailed");
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(AzuriteFixture.AccountKey, StringComparison.Ordinal) || e.Message.Contains("127.0.0.1", StringComparison.Ordinal));

        await proxy.UnblockAsync();

        Assert.True(await cache.TryStoreAsync(_key, "route:recipes", Answer("Tomato soup."), "Groq/llama-3.1-8b-instant", Fresh, Keep));
        Assert.Equal("Tomato soup.", Text((await cache.TryGetAsync(_key))!));
    }

    [Fact]
    public async Task PruneAsync_ExpiredUnreadableAndOverTheCap_DeletesExpiredThenOldestUntilUnderTheCap()
    {
        // Entries of 900 bytes under a 3000-byte cap: four kept ones total 3600, so the oldest goes.
        var options = new ResponseCacheOptions { Container = _container, MaxEntryBytes = 1024, MaxTotalBytes = 3000 };
        var cache = NewCache(options);
        var keys = Enumerable.Range(0, 5).Select(i => ResponseCacheKey.Compute("route:recipes", [new("user", $"Question {i}")], null)).ToArray();
        Assert.True(await cache.TryStoreAsync(keys[0], "route:recipes", Sized(900), "P/m", TimeSpan.Zero, TimeSpan.FromMinutes(10)));
        for (var i = 1; i < keys.Length; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.True(await cache.TryStoreAsync(keys[i], "route:recipes", Sized(900), "P/m", Fresh, Keep));
        }

        await Container().GetBlobClient(ResponseCache.BlobPrefix + "not-an-entry").UploadAsync(BinaryData.FromString("{}"));
        _time.Advance(TimeSpan.FromMinutes(10));

        var result = await cache.PruneAsync();

        Assert.Equal(new CachePruneResult(Expired: 2, Evicted: 1, BytesLeft: 2700), result);
        Assert.Null(await cache.TryGetAsync(keys[0]));
        Assert.Null(await cache.TryGetAsync(keys[1]));
        foreach (var key in keys[2..])
        {
            Assert.NotNull(await cache.TryGetAsync(key));
        }

        var left = new List<string>();
        await foreach (var blob in Container().GetBlobsAsync())
        {
            left.Add(blob.Name);
        }

        Assert.Equal(keys[2..].Select(k => ResponseCache.BlobPrefix + k).Order(StringComparer.Ordinal), left.Order(StringComparer.Ordinal));
        Assert.Equal(new CachePruneResult(0, 0, 2700), await cache.PruneAsync());
    }

    [Fact]
    public async Task PruneAsync_NoContainerYet_DeletesNothing()
    {
        Assert.Equal(new CachePruneResult(0, 0, 0), await NewCache().PruneAsync());
    }

    /// <summary>An answer whose JSON is exactly <paramref name="bytes"/> bytes.</summary>
    private static JsonElement Sized(int bytes)
    {
        var overhead = JsonSerializer.SerializeToUtf8Bytes(new { p = string.Empty }).Length;
        var element = JsonSerializer.SerializeToElement(new { p = new string('x', bytes - overhead) });
        Assert.Equal(bytes, JsonSerializer.SerializeToUtf8Bytes(element).Length);
        return element;
    }
}
