extern alias FunctionApp;

using Azure.Storage.Blobs;
using FunctionApp::LlmFunctions.FunctionApp.Functions;
using LlmFunctions.Caching;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Caching;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class PruneResponseCacheTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PruneAsync_OneExpiredEntry_DeletesItAndLogsTheCounts()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("c" + Guid.NewGuid().ToString("N"));
        var cache = new ResponseCache(container, Options.Create(new ResponseCacheOptions { Container = container.Name }), time, NullLogger<ResponseCache>.Instance);
        var key = ResponseCacheKey.Compute("gpt", [new("user", "Hi")], null);
        await cache.TryStoreAsync(key, "gpt", System.Text.Json.JsonSerializer.SerializeToElement(new { id = "a" }), "P/m", TimeSpan.Zero, TimeSpan.FromMinutes(1));
        var log = new CapturingLogger<PruneResponseCache>();
        time.Advance(TimeSpan.FromMinutes(1));

        var result = await new PruneResponseCache(cache, log).PruneAsync(CancellationToken.None);

        Assert.Equal(new CachePruneResult(1, 0, 0), result);
        Assert.Contains(log.Entries, e => e.EventId.Name == "ResponseCachePruned" && e.Message == "PruneResponseCache deleted 1 expired and 0 evicted entries; 0 bytes left");
    }
}
