using System.Globalization;
using System.Net;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using static LlmFunctions.Tests.Orchestration.DurableHarness;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>The Durable-style management API: status of unknown ids, terminate, suspend/resume across a durable
/// timer, purge, restart, raise event.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class InstanceManagementTests(AzuriteFixture azurite)
{
    // Groq answers 503 (transient: retried once after a durable timer of ~2 s), then Cerebras serves.
    private static readonly string FlakyThenHealthy = ChatApp.Scenario(("Groq", "\"status\": 503"), ("Cerebras", ""));

    private static readonly string OneHealthy = ChatApp.Scenario(("Groq", ""));

    internal static Dictionary<string, string?> WaitingSettings(string baseDelay = "00:00:02") => FastSettings(
        ("LlmFunctions:Failover:BaseDelay", baseDelay),
        ("LlmFunctions:Failover:MaxDelay", "00:00:30"),
        ("LlmFunctions:Failover:MaxAttemptsPerProvider", "2"),
        ("LlmFunctions:Health:FailureThreshold", "100"));

    [Theory]
    [InlineData("GET", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "/terminate")]
    [InlineData("POST", "/suspend")]
    [InlineData("POST", "/resume")]
    [InlineData("POST", "/restart")]
    [InlineData("POST", "/raiseEvent/approve")]
    public async Task Operation_UnknownInstance_Returns404NamingInstanceId(string method, string suffix)
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());

        using var response = await SendAsync(app, new HttpMethod(method), $"{InstancesPath}/no-such-instance{suffix}");

        await AssertErrorNamingAsync(response, HttpStatusCode.NotFound, "instanceId");
    }

    [Fact]
    public async Task Terminate_InstanceWaitingOnTimer_TerminatedAndNeverCompletes()
    {
        await using var app = await ChatApp.StartAsync(azurite, FlakyThenHealthy, WaitingSettings());
        var id = await StartAsync(app);
        var due = await WaitForTimerAsync(app, id);

        using var terminate = await PostAsync(app, $"{InstancesPath}/{id}/terminate?reason=operator");
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        var terminated = await WaitForStatusAsync(app, id, "Terminated");
        Assert.Equal("operator", terminated.GetProperty("output").GetProperty("reason").GetString());

        // The timer's message surfaces at its due time and must find nothing to do.
        await Eventually.WaitAsync(() => DateTimeOffset.UtcNow > due, WaitLimit, "the timer's due time to pass");
        await WaitForControlQueueEmptyAsync(app);
        var (status, after) = await StatusAsync(app, id, showHistory: true);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Terminated", after.GetProperty("runtimeStatus").GetString());
        Assert.Equal(1, Count(after, "ExecutionTerminated"));
        Assert.Equal(0, Count(after, "ExecutionCompleted"));
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
        Assert.Equal(0, app.Simulator.Stats.For("Cerebras").Calls);

        foreach (var operation in new[] { "terminate", "suspend", "resume" })
        {
            using var gone = await PostAsync(app, $"{InstancesPath}/{id}/{operation}");
            await AssertErrorNamingAsync(gone, HttpStatusCode.Gone, "instanceId");
        }
    }

    [Fact]
    public async Task TerminateSuspendResume_CompletedInstance_Return410()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());
        var id = await StartAsync(app);
        var completed = await WaitForStatusAsync(app, id, "Completed");

        foreach (var operation in new[] { "terminate", "suspend", "resume", "raiseEvent/late" })
        {
            using var gone = await PostAsync(app, $"{InstancesPath}/{id}/{operation}");
            await AssertErrorNamingAsync(gone, HttpStatusCode.Gone, "instanceId");
        }

        var (_, after) = await StatusAsync(app, id);
        Assert.Equal("Completed", after.GetProperty("runtimeStatus").GetString());
        Assert.Equal(completed.GetProperty("lastUpdatedTime").GetString(), after.GetProperty("lastUpdatedTime").GetString());
    }

    [Fact]
    public async Task Suspend_InstanceWaitingOnTimer_StaysSuspendedPastDueTimeAndCompletesOnResume()
    {
        await using var app = await ChatApp.StartAsync(azurite, FlakyThenHealthy, WaitingSettings("00:00:01"));
        var id = await StartAsync(app);
        await WaitForTimerAsync(app, id);

        using var suspend = await PostAsync(app, $"{InstancesPath}/{id}/suspend?reason=maintenance");
        Assert.Equal(HttpStatusCode.Accepted, suspend.StatusCode);
        var suspended = await WaitForStatusAsync(app, id, "Suspended");
        var nextRetryAt = suspended.GetProperty("customStatus").GetProperty("nextRetryAt").GetDateTimeOffset();

        await Eventually.WaitAsync(() => DateTimeOffset.UtcNow > nextRetryAt, WaitLimit, "the timer's due time to pass");
        await WaitForControlQueueEmptyAsync(app);
        var (_, stillSuspended) = await StatusAsync(app, id);
        Assert.Equal("Suspended", stillSuspended.GetProperty("runtimeStatus").GetString());
        Assert.True(DateTimeOffset.UtcNow > stillSuspended.GetProperty("customStatus").GetProperty("nextRetryAt").GetDateTimeOffset());
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
        Assert.Equal(0, app.Simulator.Stats.For("Cerebras").Calls);

        using var resume = await PostAsync(app, $"{InstancesPath}/{id}/resume?reason=done");
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var completed = await WaitForStatusAsync(app, id, "Completed", showHistory: true);

        Assert.StartsWith("[Cerebras/", completed.GetProperty("output").GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, app.Simulator.Stats.For("Groq").Calls);
        Assert.Equal(1, app.Simulator.Stats.For("Cerebras").Calls);
        Assert.Equal(1, Count(completed, "ExecutionSuspended"));
        Assert.Equal(1, Count(completed, "ExecutionResumed"));
        Assert.Equal(1, Count(completed, "ExecutionCompleted"));
    }

    [Fact]
    public async Task Purge_FinishedInstance_DeletesItThenNotFound()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());
        var id = await StartAsync(app);
        await WaitForStatusAsync(app, id, "Completed");

        using var purge = await SendAsync(app, HttpMethod.Delete, $"{InstancesPath}/{id}");
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(1, (await JsonAsync(purge)).GetProperty("instancesDeleted").GetInt32());

        var (status, _) = await StatusAsync(app, id);
        Assert.Equal(HttpStatusCode.NotFound, status);
        using var again = await SendAsync(app, HttpMethod.Delete, $"{InstancesPath}/{id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        await foreach (var row in InstancesTable(app).QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == id))
        {
            Assert.Fail($"row {row.RowKey} of the purged instance is left");
        }
    }

    [Fact]
    public async Task PurgeAndRaiseEvent_RunningInstance_409AndEventRaisedInHistory()
    {
        await using var app = await ChatApp.StartAsync(azurite, FlakyThenHealthy, WaitingSettings());
        var id = await StartAsync(app);
        await WaitForTimerAsync(app, id);

        using var purge = await SendAsync(app, HttpMethod.Delete, $"{InstancesPath}/{id}");
        await AssertErrorNamingAsync(purge, HttpStatusCode.Conflict, "instanceId");
        using var raise = await PostAsync(app, $"{InstancesPath}/{id}/raiseEvent/approval", """{"approved":true}""");
        Assert.Equal(HttpStatusCode.Accepted, raise.StatusCode);

        var (_, status) = await StatusAsync(app, id, showHistory: true);
        Assert.Equal("Running", status.GetProperty("runtimeStatus").GetString());
        var raised = Assert.Single(History(status), e => e.GetProperty("EventType").GetString() == "EventRaised");
        Assert.Equal("approval", raised.GetProperty("name").GetString());
        Assert.Contains("approved", raised.GetProperty("input").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_CompletedInstanceWithDefaults_StartsNewInstanceThatCompletes()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());
        var id = await StartAsync(app, Prompt("restart me"));
        await WaitForStatusAsync(app, id, "Completed");

        using var restart = await PostAsync(app, $"{InstancesPath}/{id}/restart");
        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);
        var newId = (await JsonAsync(restart)).GetProperty("id").GetString()!;
        Assert.NotEqual(id, newId);
        Assert.EndsWith($"/instances/{newId}?taskHub={Hub(app).TaskHub}&connection=Storage", restart.Headers.Location?.ToString(), StringComparison.Ordinal);

        var restarted = await WaitForStatusAsync(app, newId, "Completed");
        Assert.Equal("restart me", restarted.GetProperty("input").GetProperty("messages")[0].GetProperty("content").GetString());
        var (_, original) = await StatusAsync(app, id);
        Assert.Equal("Completed", original.GetProperty("runtimeStatus").GetString());
        Assert.Equal(2, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task Restart_SameInstanceId_SameIdCompletesAgainWithFreshHistory()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());
        var id = await StartAsync(app, path: "/api/prompts/rerun-me");
        var first = await WaitForStatusAsync(app, id, "Completed");

        using var restart = await PostAsync(app, $"{InstancesPath}/{id}/restart?restartWithNewInstanceId=false");
        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);
        Assert.Equal(id, (await JsonAsync(restart)).GetProperty("id").GetString());

        JsonElement second = default;
        await Eventually.WaitAsync(
            async () =>
            {
                (_, second) = await StatusAsync(app, id, showHistory: true);
                return second.GetProperty("runtimeStatus").GetString() == "Completed"
                    && second.GetProperty("createdTime").GetString() != first.GetProperty("createdTime").GetString();
            },
            WaitLimit,
            "the restarted instance to complete");
        Assert.Equal(1, Count(second, "ExecutionStarted"));
        Assert.Equal(1, Count(second, "ExecutionCompleted"));
        Assert.Equal(2, app.Simulator.Stats.For("Groq").Calls);
        Assert.True(
            DateTimeOffset.Parse(second.GetProperty("createdTime").GetString()!, CultureInfo.InvariantCulture) >= DateTimeOffset.Parse(first.GetProperty("lastUpdatedTime").GetString()!, CultureInfo.InvariantCulture));
    }
}
