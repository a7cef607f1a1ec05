extern alias FunctionApp;

using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FunctionApp::LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>The instance store against real Azurite: ETags from transactions, all-or-nothing commits, blobs for
/// large documents.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class InstanceStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CreateAndCommit_TransactionEtags_MatchTheStoredRow()
    {
        var store = await NewStoreAsync();
        var (created, isNew) = await store.CreateAsync(Record("a"), [Event(0, "ExecutionStarted")], default);
        Assert.True(isNew);
        Assert.Equal((await store.GetAsync("a", default))!.ETag, created.ETag);

        var committed = await store.TryCommitAsync(created with { Status = RuntimeStatus.Running, HistoryCount = 2 }, [Event(1, "AttemptCompleted")], default);

        Assert.NotNull(committed);
        Assert.NotEqual(created.ETag, committed.ETag);
        Assert.Equal((await store.GetAsync("a", default))!.ETag, committed.ETag);
    }

    [Fact]
    public async Task TryCommit_StaleEtag_WritesNeitherTheRowNorItsHistory()
    {
        var store = await NewStoreAsync();
        var (created, _) = await store.CreateAsync(Record("b"), [Event(0, "ExecutionStarted")], default);
        var winner = await store.TryCommitAsync(created with { Status = RuntimeStatus.Running, HistoryCount = 2 }, [Event(1, "AttemptCompleted")], default);
        Assert.NotNull(winner);

        var loser = await store.TryCommitAsync(created with { Status = RuntimeStatus.Failed, HistoryCount = 3 }, [Event(1, "Other"), Event(2, "ExecutionFailed")], default);

        Assert.Null(loser);
        var stored = (await store.GetAsync("b", default))!;
        Assert.Equal(RuntimeStatus.Running, stored.Status);
        Assert.Equal(["ExecutionStarted", "AttemptCompleted"], (await store.GetHistoryAsync(stored, default)).Select(e => e.EventType));
    }

    [Fact]
    public async Task CreateAsync_SameIdTwice_ReturnsTheFirstInstance()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(Record("c") with { Input = "\"first\"" }, [Event(0, "ExecutionStarted")], default);

        var (existing, isNew) = await store.CreateAsync(Record("c") with { Input = "\"second\"" }, [Event(0, "ExecutionStarted")], default);

        Assert.False(isNew);
        Assert.Equal("\"first\"", existing.Input);
    }

    [Fact]
    public async Task LargeDocuments_OverTheInlineLimit_RoundTripThroughBlobsAndPurgeRemovesThem()
    {
        var (store, blobs) = await NewStoreWithBlobsAsync();
        var input = "\"" + new string('x', InstanceStore.MaxInlineChars + 10) + "\"";
        var (created, _) = await store.CreateAsync(Record("d") with { Input = input }, [Event(0, "ExecutionStarted")], default);
        await store.TryCommitAsync(created with { Output = input, HistoryCount = 1 }, [], default);

        var stored = (await store.GetAsync("d", default))!;
        Assert.Equal(input, stored.Input);
        Assert.Equal(input, stored.Output);
        Assert.Equal(2, await CountBlobsAsync(blobs));

        Assert.Equal(1, await store.PurgeAsync("d", default));
        Assert.Null(await store.GetAsync("d", default));
        Assert.Equal(0, await CountBlobsAsync(blobs));
    }

    private static InstanceRecord Record(string id) => new()
    {
        InstanceId = id,
        Status = RuntimeStatus.Pending,
        Input = "{}",
        CreatedTime = T0,
        LastUpdatedTime = T0,
        HistoryCount = 1,
        WakeToken = "t",
    };

    private static HistoryEvent Event(long sequence, string type) => new(sequence, type, T0, null);

    private async Task<InstanceStore> NewStoreAsync() => (await NewStoreWithBlobsAsync()).Store;

    private async Task<(InstanceStore Store, BlobContainerClient Blobs)> NewStoreWithBlobsAsync()
    {
        var hub = new TaskHubNames(AzuriteFixture.UniqueTableName());
        var blobs = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(hub.LargePayloadContainer);
        var store = new InstanceStore(new TableServiceClient(azurite.ConnectionString).GetTableClient(hub.InstancesTable), blobs);
        await store.InitializeAsync(default);
        return (store, blobs);
    }

    private static async Task<int> CountBlobsAsync(BlobContainerClient blobs)
    {
        var count = 0;
        await foreach (var unused in blobs.GetBlobsAsync())
        {
            count++;
        }

        return count;
    }
}
