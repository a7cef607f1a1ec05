using LlmFunctions.Tests.Infrastructure;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.Tests.StandaloneHost.Durable;

/// <summary>The engine runs [OrchestrationTrigger] and [ActivityTrigger] functions as the Functions runtime would, on a real Azurite.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class DurableEngineFunctionTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OrchestratorCallingActivity_Completes_WithActivityOutputNamingTheInstance()
    {
        await using var engine = await EngineHost.StartAsync(azurite);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.Greet, new GreetInput("Ada"));
        var done = await WaitAsync(engine.Client, id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal($"Hello Ada from {id}", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task EachEpisodeAndActivityCall_GetsItsOwnScope_DisposedAfterwards()
    {
        await using var engine = await EngineHost.StartAsync(azurite);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.Greet, new GreetInput("Grace"));
        await WaitAsync(engine.Client, id);

        // Two orchestrator episodes (start, activity result) and one activity call: three scopes, all disposed.
        await Eventually.WaitAsync(
            () => Task.FromResult(engine.Probe.ScopesDisposed == engine.Probe.ScopesCreated && engine.Probe.ScopesCreated >= 3),
            TimeSpan.FromSeconds(10),
            () => $"scopes disposed ({engine.Probe.ScopesDisposed}) to equal scopes created ({engine.Probe.ScopesCreated}, at least 3)");
    }

    [Fact]
    public async Task ActivityThatThrows_RetriedByHandlerAfterDurableTimer_Succeeds()
    {
        await using var engine = await EngineHost.StartAsync(azurite);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(EngineTestFunctions.RetryFlaky);
        var done = await WaitAsync(engine.Client, id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("succeeded on call 2", done.ReadOutputAs<string>());
        var calls = engine.Probe.FlakyCalls[id].ToArray();
        Assert.Equal(2, calls.Length);
        // Timers fire up to a second early (queue visibility in whole seconds), never later than this bound's slack.
        Assert.InRange(calls[1] - calls[0], EngineTestFunctions.RetryDelay - TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        // UseFailureDetails: the handler saw the activity's exception type.
        Assert.Equal(typeof(InvalidOperationException).FullName, Assert.Single(engine.Probe.RetryFailureTypes));
    }

    private static async Task<OrchestrationMetadata> WaitAsync(DurableTaskClient client, string instanceId)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }
}
