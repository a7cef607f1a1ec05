using System.Net;
using System.Text;
using System.Text.Json;
using DurableTask.Core;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.StandaloneHost.Management;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class InstanceCommandApiTests(WorkerHarnessFixture fixture) : IClassFixture<WorkerHarnessFixture>
{
    private ManagementHarness H => fixture.Harness;

    private static string NewId(string what) => $"{what}-{Guid.NewGuid():N}";

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private async Task<string> StartWaitingAsync()
    {
        var id = await H.StartAsync<WaitForEventOrchestration>(NewId("wait"), "x");
        await H.WaitForStatusAsync(id, OrchestrationStatus.Running);
        return id;
    }

    private async Task<string> StartCompletedAsync()
    {
        var id = await H.StartAsync<EchoOrchestration>(NewId("done"), "in");
        await H.WaitForStatusAsync(id, OrchestrationStatus.Completed);
        return id;
    }

    [Fact]
    public async Task Terminate_running_is_202_then_terminated_with_the_reason_then_410()
    {
        var id = await StartWaitingAsync();

        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/terminate?reason=enough"), HttpStatusCode.Accepted);

        await H.WaitForStatusAsync(id, OrchestrationStatus.Terminated);
        var body = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}"), HttpStatusCode.OK);
        Assert.Equal("Terminated", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal("enough", body.GetProperty("output").GetString());
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/terminate"), HttpStatusCode.Gone);
    }

    [Fact]
    public async Task Terminate_unknown_is_404()
    {
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{NewId("missing")}/terminate"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Suspend_then_resume_moves_the_instance_through_Suspended_and_back_to_Running()
    {
        var id = await StartWaitingAsync();

        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/suspend?reason=pause"), HttpStatusCode.Accepted);
        await H.WaitForStatusAsync(id, OrchestrationStatus.Suspended);
        var suspended = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}"), HttpStatusCode.Accepted);
        Assert.Equal("Suspended", suspended.GetProperty("runtimeStatus").GetString());

        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/resume?reason=go"), HttpStatusCode.Accepted);
        await H.WaitForStatusAsync(id, OrchestrationStatus.Running);
        await H.PostAsync($"instances/{id}/terminate");
    }

    [Fact]
    public async Task Suspend_and_resume_of_a_completed_instance_are_410_and_of_an_unknown_one_404()
    {
        var id = await StartCompletedAsync();

        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/suspend"), HttpStatusCode.Gone);
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/resume"), HttpStatusCode.Gone);
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{NewId("missing")}/suspend"), HttpStatusCode.NotFound);
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{NewId("missing")}/resume"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RaiseEvent_with_a_JSON_body_is_202_and_the_orchestration_receives_it()
    {
        var id = await StartWaitingAsync();

        await ResponseAssert.StatusAsync(
            await H.PostAsync($"instances/{id}/raiseEvent/{WaitForEventOrchestration.EventName}?taskHub=x&connection=y&code=z", Json("{\"answer\": 42}")),
            HttpStatusCode.Accepted);

        await H.WaitForStatusAsync(id, OrchestrationStatus.Completed);
        var body = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}"), HttpStatusCode.OK);
        using var received = JsonDocument.Parse(body.GetProperty("output").GetString()!);
        Assert.Equal(42, received.RootElement.GetProperty("answer").GetInt32());
    }

    [Fact]
    public async Task RaiseEvent_that_is_not_JSON_is_400_naming_the_content_type_or_the_body()
    {
        var id = await StartWaitingAsync();

        await ResponseAssert.BadRequestNamingAsync(
            await H.PostAsync($"instances/{id}/raiseEvent/go", Json("42", "text/plain")), "Content-Type");
        await ResponseAssert.BadRequestNamingAsync(
            await H.PostAsync($"instances/{id}/raiseEvent/go", Json("{not json")), "body");
        await H.PostAsync($"instances/{id}/terminate");
    }

    [Fact]
    public async Task RaiseEvent_to_a_completed_instance_is_410_and_to_an_unknown_one_404()
    {
        var id = await StartCompletedAsync();

        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/raiseEvent/go", Json("1")), HttpStatusCode.Gone);
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{NewId("missing")}/raiseEvent/go", Json("1")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rewind_of_a_failed_instance_is_202_and_it_completes_once_the_activity_succeeds()
    {
        var key = NewId("rewind");
        var id = await H.StartAsync<FlakyOrchestration>(key, key);
        await H.WaitForStatusAsync(id, OrchestrationStatus.Failed);
        FlakyActivity.Succeed(key);

        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{id}/rewind?reason=fixed"), HttpStatusCode.Accepted);

        await H.WaitForStatusAsync(id, OrchestrationStatus.Completed);
        var body = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}"), HttpStatusCode.OK);
        Assert.Equal("healed " + key, body.GetProperty("output").GetString());
    }

    [Fact]
    public async Task Rewind_of_a_completed_instance_is_410_of_a_running_one_409_of_an_unknown_one_404()
    {
        var completed = await StartCompletedAsync();
        var running = await StartWaitingAsync();

        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{completed}/rewind"), HttpStatusCode.Gone);
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{running}/rewind"), HttpStatusCode.Conflict);
        await ResponseAssert.StatusAsync(await H.PostAsync($"instances/{NewId("missing")}/rewind"), HttpStatusCode.NotFound);
        await H.PostAsync($"instances/{running}/terminate");
    }

    [Fact]
    public async Task Restart_with_the_same_id_is_202_with_the_management_links_and_runs_again()
    {
        var id = await StartCompletedAsync();
        var firstExecution = (await H.Service.GetOrchestrationStateAsync(id, allExecutions: false, fetchInput: false))[0].OrchestrationInstance.ExecutionId;

        var response = await H.PostAsync($"instances/{id}/restart?restartWithNewInstanceId=false");

        var links = await ResponseAssert.JsonAsync(response, HttpStatusCode.Accepted);
        Assert.Equal(
            ["id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri", "restartPostUri", "suspendPostUri", "resumePostUri"],
            links.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(id, links.GetProperty("id").GetString());
        var statusUri = links.GetProperty("statusQueryGetUri").GetString()!;
        Assert.Equal($"http://localhost/runtime/webhooks/durabletask/instances/{id}?taskHub={H.TaskHubName}&connection=Storage", statusUri);
        Assert.Equal(new Uri(statusUri), response.Headers.Location);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        Assert.Contains("/raiseEvent/{eventName}?", links.GetProperty("sendEventPostUri").GetString(), StringComparison.Ordinal);

        await Eventually.WaitAsync(
            async () =>
            {
                var state = (await H.Service.GetOrchestrationStateAsync(id, allExecutions: false, fetchInput: false))[0];
                return state.OrchestrationInstance.ExecutionId != firstExecution && state.OrchestrationStatus == OrchestrationStatus.Completed;
            },
            TimeSpan.FromSeconds(60),
            "a new execution of the restarted instance to complete");
    }

    [Fact]
    public async Task Restart_by_default_starts_a_new_instance_with_the_same_input()
    {
        var id = await StartCompletedAsync();

        var links = await ResponseAssert.JsonAsync(await H.PostAsync($"instances/{id}/restart"), HttpStatusCode.Accepted);

        var newId = links.GetProperty("id").GetString()!;
        Assert.NotEqual(id, newId);
        await H.WaitForStatusAsync(newId, OrchestrationStatus.Completed);
        var body = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{newId}"), HttpStatusCode.OK);
        Assert.Equal("in", body.GetProperty("input").GetString());
        Assert.Equal(typeof(EchoOrchestration).FullName, body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Restart_of_a_running_instance_with_the_same_id_is_409_and_of_an_unknown_one_400()
    {
        var running = await StartWaitingAsync();

        var conflict = await ResponseAssert.JsonAsync(
            await H.PostAsync($"instances/{running}/restart?restartWithNewInstanceId=false"), HttpStatusCode.Conflict);
        Assert.Equal("restartWithNewInstanceId", conflict.GetProperty("ParameterName").GetString());
        await ResponseAssert.BadRequestNamingAsync(await H.PostAsync($"instances/{NewId("missing")}/restart"), "instanceId");
        await ResponseAssert.BadRequestNamingAsync(
            await H.PostAsync($"instances/{running}/restart?restartWithNewInstanceId=perhaps"), "restartWithNewInstanceId");
        await H.PostAsync($"instances/{running}/terminate");
    }

    [Fact]
    public async Task Purge_one_is_200_with_instancesDeleted_then_the_instance_is_gone_and_a_second_purge_is_404()
    {
        var id = await StartCompletedAsync();

        var body = await ResponseAssert.JsonAsync(await H.DeleteAsync($"instances/{id}"), HttpStatusCode.OK);

        Assert.Equal(1, body.GetProperty("instancesDeleted").GetInt32());
        await ResponseAssert.StatusAsync(await H.GetAsync($"instances/{id}"), HttpStatusCode.NotFound);
        await ResponseAssert.StatusAsync(await H.DeleteAsync($"instances/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_operation_or_method_is_404()
    {
        await ResponseAssert.StatusAsync(await H.PostAsync("instances/some-id/explode"), HttpStatusCode.NotFound);
        await ResponseAssert.StatusAsync(await H.GetAsync("instances/some-id/terminate"), HttpStatusCode.NotFound);
    }
}
