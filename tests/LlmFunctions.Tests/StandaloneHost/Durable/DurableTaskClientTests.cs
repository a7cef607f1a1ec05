using System.Text.Json;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.Tests.StandaloneHost.Durable;

/// <summary>The DurableTaskClient over DTFx's Azure Storage backend, against the engine on a real Azurite.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class DurableTaskClientTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Schedule_WithInstanceIdAndStartTime_PendingUntilThenCompletes()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        var startAt = DateTimeOffset.UtcNow.AddSeconds(3);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(
            EngineTestFunctions.Greet, new GreetInput("Lin"), new StartOrchestrationOptions { InstanceId = "greet-lin", StartAt = startAt });

        Assert.Equal("greet-lin", id);
        var pending = await engine.Client.GetInstanceAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, pending!.RuntimeStatus);
        var done = await WaitAsync(engine.Client, id);
        Assert.Equal("Hello Lin from greet-lin", done.ReadOutputAs<string>());
        // Queue visibility is whole seconds: the start may come up to a second early.
        Assert.True(done.LastUpdatedAt >= startAt.AddSeconds(-1), $"completed at {done.LastUpdatedAt:O}, scheduled for {startAt:O}");
    }

    [Fact]
    public async Task GetInstance_WithAndWithoutInputs_ReturnsInputOutputAndCustomStatusOnlyWhenAsked()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.WaitForApproval, new ApprovalRequest("deploy"));

        await WaitForCustomStatusAsync(engine.Client, id);
        var bare = await engine.Client.GetInstanceAsync(id, getInputsAndOutputs: false);
        var full = await engine.Client.GetInstanceAsync(id, getInputsAndOutputs: true);

        Assert.Equal(EngineTestFunctions.WaitForApproval, bare!.Name);
        Assert.Equal(OrchestrationRuntimeStatus.Running, bare.RuntimeStatus);
        Assert.Null(bare.SerializedInput);
        Assert.Null(bare.SerializedCustomStatus);
        Assert.Equal("deploy", full!.ReadInputAs<ApprovalRequest>()!.Request);
        Assert.Equal("waiting", full.ReadCustomStatusAs<JsonElement>().GetProperty("stage").GetString());
        Assert.Null(await engine.Client.GetInstanceAsync("no-such-instance"));
    }

    [Fact]
    public async Task RaiseEvent_WaitingOrchestration_CompletesWithEventPayload()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.WaitForApproval, new ApprovalRequest("deploy"));
        await engine.Client.WaitForInstanceStartAsync(id);
        await WaitForCustomStatusAsync(engine.Client, id);

        await engine.Client.RaiseEventAsync(id, EngineTestFunctions.ApproveEvent, new Approval("ops"));

        var done = await WaitAsync(engine.Client, id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("deploy approved by ops", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task SuspendThenResume_EventRaisedWhileSuspended_IsHandledAfterResume()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.WaitForApproval, new ApprovalRequest("scale"));
        await WaitForCustomStatusAsync(engine.Client, id);

        await engine.Client.SuspendInstanceAsync(id, "maintenance");
        await WaitForStatusAsync(engine.Client, id, OrchestrationRuntimeStatus.Suspended);
        await engine.Client.RaiseEventAsync(id, EngineTestFunctions.ApproveEvent, new Approval("lead"));
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus);
        await engine.Client.ResumeInstanceAsync(id, "done");

        var done = await WaitAsync(engine.Client, id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("scale approved by lead", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Terminate_RunningOrchestration_TerminatedWithGivenOutput()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.WaitForApproval, new ApprovalRequest("delete"));
        await WaitForCustomStatusAsync(engine.Client, id);

        await engine.Client.TerminateInstanceAsync(id, "cancelled by test");

        var done = await WaitAsync(engine.Client, id);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, done.RuntimeStatus);
        Assert.Equal("cancelled by test", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Query_ByPrefixWithPageSizeTwo_ReturnsAllThreeAcrossPages()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        foreach (var n in new[] { "a", "b", "c" })
        {
            await engine.Client.ScheduleNewOrchestrationInstanceAsync(
                EngineTestFunctions.Greet, new GreetInput(n), new StartOrchestrationOptions { InstanceId = $"query-{n}" });
        }

        await engine.Client.ScheduleNewOrchestrationInstanceAsync(
            EngineTestFunctions.Greet, new GreetInput("other"), new StartOrchestrationOptions { InstanceId = "other-1" });

        var pages = new List<Page<OrchestrationMetadata>>();
        await foreach (var page in engine.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = "query-", PageSize = 2 }).AsPages())
        {
            pages.Add(page);
        }

        Assert.True(pages.Count >= 2, $"expected at least two pages, got {pages.Count}");
        Assert.All(pages, p => Assert.InRange(p.Values.Count, 0, 2));
        Assert.Equal(["query-a", "query-b", "query-c"], pages.SelectMany(p => p.Values).Select(m => m.InstanceId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Purge_OneCompletedAndManyByFilter_DeletesThem_RefusesRunning()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        var created = DateTimeOffset.UtcNow.AddMinutes(-1);
        var ids = new List<string>();
        foreach (var n in new[] { "x", "y", "z" })
        {
            ids.Add(await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.Greet, new GreetInput(n)));
        }

        var running = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.WaitForApproval, new ApprovalRequest("keep"));
        foreach (var id in ids)
        {
            await WaitAsync(engine.Client, id);
        }

        await WaitForCustomStatusAsync(engine.Client, running);

        var one = await engine.Client.PurgeInstanceAsync(ids[0]);
        Assert.Equal(1, one.PurgedInstanceCount);
        Assert.Null(await engine.Client.GetInstanceAsync(ids[0]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => engine.Client.PurgeInstanceAsync(running));

        var many = await engine.Client.PurgeAllInstancesAsync(
            new PurgeInstancesFilter(created, null, [OrchestrationRuntimeStatus.Completed]));
        Assert.Equal(2, many.PurgedInstanceCount);
        Assert.Null(await engine.Client.GetInstanceAsync(ids[2]));
        Assert.NotNull(await engine.Client.GetInstanceAsync(running));
    }

    [Fact]
    public async Task Restart_WithNewInstanceId_RunsAgainWithTheSameInput()
    {
        await using var engine = await EngineHost.StartAsync(azurite);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.Greet, new GreetInput("Kay"));
        await WaitAsync(engine.Client, id);

        var again = await engine.Client.RestartAsync(id, restartWithNewInstanceId: true);

        Assert.NotEqual(id, again);
        var done = await WaitAsync(engine.Client, again);
        Assert.Equal($"Hello Kay from {again}", done.ReadOutputAs<string>());
    }

    [Fact]
    public void Entities_NotSupported()
    {
        var client = EngineHost.Build(EngineHost.Settings("UseDevelopmentStorage=true", "hubok"), new CapturingLoggerProvider(), typeof(EngineTestFunctions));
        using (client)
        {
            var durable = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<DurableTaskClient>(client.Services);
            Assert.Throws<NotSupportedException>(() => durable.Entities);
        }
    }

    private static async Task<OrchestrationMetadata> WaitAsync(DurableTaskClient client, string instanceId)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }

    private static Task WaitForCustomStatusAsync(DurableTaskClient client, string instanceId)
    {
        OrchestrationMetadata? last = null;
        return Eventually.WaitAsync(
            async () => (last = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true))?.SerializedCustomStatus is not null,
            Timeout,
            () => $"{instanceId} to set its custom status (last: {last?.RuntimeStatus})");
    }

    private static Task WaitForStatusAsync(DurableTaskClient client, string instanceId, OrchestrationRuntimeStatus status)
    {
        OrchestrationMetadata? last = null;
        return Eventually.WaitAsync(
            async () => (last = await client.GetInstanceAsync(instanceId))?.RuntimeStatus == status,
            Timeout,
            () => $"{instanceId} to be {status} (last: {last?.RuntimeStatus})");
    }
}
