extern alias FunctionApp;

using Azure;
using LlmFunctions.Failover;
using LlmFunctions.Providers;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LlmFunctions.Tests.Orchestration.DurableHarness;
using HistoryEvent = FunctionApp::LlmFunctions.FunctionApp.Orchestration.HistoryEvent;
using InstanceRecord = FunctionApp::LlmFunctions.FunctionApp.Orchestration.InstanceRecord;
using PromptOrchestrator = FunctionApp::LlmFunctions.FunctionApp.Functions.PromptOrchestrator;
using RuntimeStatus = FunctionApp::LlmFunctions.FunctionApp.Orchestration.RuntimeStatus;
using StoredState = FunctionApp::LlmFunctions.FunctionApp.Orchestration.StoredState;
using WorkItem = FunctionApp::LlmFunctions.FunctionApp.Orchestration.WorkItem;
using WorkQueue = FunctionApp::LlmFunctions.FunctionApp.Orchestration.WorkQueue;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>Control-queue messages as the queue really delivers them: duplicated, stale, early, or failing until
/// they are poisoned.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class WorkItemDeliveryTests(AzuriteFixture azurite)
{
    private static readonly string FlakyThenHealthy = ChatApp.Scenario(("Groq", "\"status\": 503"), ("Cerebras", ""));

    [Fact]
    public async Task DuplicateWorkItem_OldTokenAfterCompletion_ChangesNothing()
    {
        await using var app = await ChatApp.StartAsync(azurite, Scenario(("Groq", "\"latencyMs\": { \"fixed\": 500 }")), FastSettings());
        var id = await StartAsync(app);
        var started = await Store(app).GetAsync(id, CancellationToken.None);
        var oldToken = started?.WakeToken;
        Assert.False(string.IsNullOrEmpty(oldToken));
        var completed = await WaitForStatusAsync(app, id, "Completed", showHistory: true);
        var before = await Store(app).GetAsync(id, CancellationToken.None);

        await Queue(app).SendAsync(new WorkItem(id, oldToken!), TimeSpan.Zero, CancellationToken.None);
        await Queue(app).SendAsync(new WorkItem(id, oldToken!), TimeSpan.Zero, CancellationToken.None);
        await WaitForControlQueueEmptyAsync(app);

        var (_, after) = await StatusAsync(app, id, showHistory: true);
        var record = await Store(app).GetAsync(id, CancellationToken.None);
        Assert.Equal(before!.ETag, record!.ETag);
        Assert.Equal(completed.GetProperty("lastUpdatedTime").GetString(), after.GetProperty("lastUpdatedTime").GetString());
        Assert.Equal(History(completed).Count, History(after).Count);
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task DuplicateWorkItem_CurrentTimerTokenDeliveredTwice_CompletesOnceWithExpectedCalls()
    {
        await using var app = await ChatApp.StartAsync(azurite, FlakyThenHealthy, InstanceManagementTests.WaitingSettings("00:00:01"));
        var id = await StartAsync(app);
        await WaitForTimerAsync(app, id);
        var waiting = await Store(app).GetAsync(id, CancellationToken.None);
        Assert.NotNull(waiting?.WakeAt);
        Assert.True(waiting.WakeAt > DateTimeOffset.UtcNow, "the copies must arrive while the instance still waits");

        await Queue(app).SendAsync(new WorkItem(id, waiting.WakeToken!), TimeSpan.Zero, CancellationToken.None);
        await Queue(app).SendAsync(new WorkItem(id, waiting.WakeToken!), TimeSpan.Zero, CancellationToken.None);
        var completed = await WaitForStatusAsync(app, id, "Completed", showHistory: true);

        // A copy that met the running step's live claim is hidden until the claim lapses (minutes), then dropped as
        // stale; wait only until no copy is left visible, i.e. each has been taken and handled.
        await Eventually.WaitAsync(
            async () => (await ControlQueue(app).PeekMessagesAsync(32)).Value.Length == 0,
            WaitLimit,
            "every copy to be taken from the control queue");

        var (_, after) = await StatusAsync(app, id, showHistory: true);
        Assert.Equal(1, Count(after, "ExecutionCompleted"));
        Assert.Equal(1, Count(after, "TimerFired"));
        Assert.Equal(3, Count(after, "AttemptCompleted"));
        Assert.Equal(History(completed).Count, History(after).Count);
        Assert.Equal(2, app.Simulator.Stats.For("Groq").Calls);
        Assert.Equal(1, app.Simulator.Stats.For("Cerebras").Calls);
    }

    [Fact]
    public async Task CorruptCheckpoint_FailsMaxDequeueCountTimes_MessagePoisonedAndInstanceFailed()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "")), FastSettings());
        var now = DateTimeOffset.UtcNow;
        var request = new PromptRequest { Messages = [new ChatMessage("user", "hi")], Deadline = now.AddMinutes(2) };
        await Store(app).CreateAsync(
            new InstanceRecord
            {
                InstanceId = "corrupt-1",
                Status = RuntimeStatus.Running,
                Input = StoredState.SerializeInput(request),
                Checkpoint = "{not json",
                CreatedTime = now,
                LastUpdatedTime = now,
                HistoryCount = 1,
                WakeToken = "token-1",
            },
            [new HistoryEvent(0, "ExecutionStarted", now, null)],
            CancellationToken.None);

        await Queue(app).SendAsync(new WorkItem("corrupt-1", "token-1"), TimeSpan.Zero, CancellationToken.None);
        var failed = await WaitForStatusAsync(app, "corrupt-1", "Failed", showHistory: true);

        var error = failed.GetProperty("output").GetProperty("error");
        var message = error.GetProperty("message").GetString()!;
        Assert.Equal("poison_message", error.GetProperty("code").GetString());
        Assert.Contains("failed 5 times", message, StringComparison.Ordinal);
        Assert.Contains("poison queue", message, StringComparison.Ordinal);
        Assert.Contains("last error: JsonException", message, StringComparison.Ordinal);
        Assert.Equal(1, Count(failed, "ExecutionFailed"));
        IReadOnlyList<WorkItem> poisoned = [];
        await Eventually.WaitAsync(
            async () => (poisoned = await Queue(app).PeekPoisonAsync(CancellationToken.None)).Count > 0,
            WaitLimit,
            "the poison queue to hold the message");
        var item = Assert.Single(poisoned);
        Assert.Equal("corrupt-1", item.InstanceId);
        Assert.Equal("token-1", item.Token);
        Assert.StartsWith("JsonException", item.LastError, StringComparison.Ordinal);
        await WaitForControlQueueEmptyAsync(app);
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
    }

    [Theory]
    [InlineData(-5, 0)]
    [InlineData(0, 0)]
    [InlineData(90, 90)]
    [InlineData(6 * 24 * 3600, 6 * 24 * 3600)]
    public void VisibilityFor_WaitWithinRange_IsTheWaitOrZero(int seconds, int expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), WorkQueue.VisibilityFor(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(365)]
    public void VisibilityFor_WaitOfDays_IsClampedBelowSevenDays(int days)
    {
        var visibility = WorkQueue.VisibilityFor(TimeSpan.FromDays(days));

        Assert.Equal(WorkQueue.MaxVisibilityDelay, visibility);
        Assert.InRange(visibility, TimeSpan.FromDays(6.99), TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task RunAsync_TimerMessageArrivingEightDaysEarly_IsHiddenAgainAndRunsNothing()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "")), FastSettings());
        var now = DateTimeOffset.UtcNow;
        var request = new PromptRequest { Messages = [new ChatMessage("user", "hi")], Deadline = now.AddDays(9) };
        var (created, _) = await Store(app).CreateAsync(
            new InstanceRecord
            {
                InstanceId = "sleeper",
                Status = RuntimeStatus.Running,
                Input = StoredState.SerializeInput(request),
                CreatedTime = now,
                LastUpdatedTime = now,
                HistoryCount = 1,
                WakeToken = "token-8d",
                WakeAt = now.AddDays(8),
            },
            [new HistoryEvent(0, "ExecutionStarted", now, null)],
            CancellationToken.None);

        // A queue of its own, so the app's worker cannot take the message: this test delivers it.
        var queues = app.Factory.Services.GetRequiredService<Azure.Storage.Queues.QueueServiceClient>();
        var name = "early-" + Guid.NewGuid().ToString("N");
        var queueClient = queues.GetQueueClient(name);
        var queue = new WorkQueue(queueClient, queues.GetQueueClient(name + "-poison"));
        await queue.InitializeAsync(CancellationToken.None);
        var orchestrator = ActivatorUtilities.CreateInstance<PromptOrchestrator>(app.Factory.Services, queue);
        await queue.SendAsync(new WorkItem("sleeper", "token-8d"), TimeSpan.Zero, CancellationToken.None);
        var message = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), CancellationToken.None));

        await orchestrator.RunAsync(message, CancellationToken.None);

        var after = await Store(app).GetAsync("sleeper", CancellationToken.None);
        Assert.Equal(created.ETag, after!.ETag);
        Assert.Equal(RuntimeStatus.Running, after.Status);
        Assert.Equal(1, after.HistoryCount);
        Assert.Null(after.Checkpoint);
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
        Assert.Equal(1, (await queueClient.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1), CancellationToken.None));

        // Re-timed, not left as received: the receipt the orchestrator was handed is no longer the message's.
        await Assert.ThrowsAsync<RequestFailedException>(() => queueClient.DeleteMessageAsync(message.MessageId, message.PopReceipt));
        await queueClient.DeleteAsync();
    }
}
