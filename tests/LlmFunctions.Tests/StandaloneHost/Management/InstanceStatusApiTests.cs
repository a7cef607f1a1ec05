using System.Net;
using System.Text.Json;
using DurableTask.Core;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.StandaloneHost.Management;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class InstanceStatusApiTests(WorkerHarnessFixture fixture) : IClassFixture<WorkerHarnessFixture>
{
    private ManagementHarness H => fixture.Harness;

    private static string NewId(string what) => $"{what}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Completed_instance_is_200_with_the_hosts_field_names_and_formats()
    {
        var id = await H.StartAsync<EchoOrchestration>(NewId("echo"), "hello");
        await H.WaitForStatusAsync(id, OrchestrationStatus.Completed);

        var body = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}?taskHub=other&connection=Other&code=secret"), HttpStatusCode.OK);

        Assert.Equal(
            ["name", "instanceId", "runtimeStatus", "input", "customStatus", "output", "createdTime", "lastUpdatedTime"],
            body.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(typeof(EchoOrchestration).FullName, body.GetProperty("name").GetString());
        Assert.Equal(id, body.GetProperty("instanceId").GetString());
        Assert.Equal("Completed", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal("hello", body.GetProperty("input").GetString());
        Assert.Equal("hello", body.GetProperty("output").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("customStatus").ValueKind);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body.GetProperty("createdTime").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body.GetProperty("lastUpdatedTime").GetString());
    }

    [Fact]
    public async Task ShowInput_false_returns_input_null()
    {
        var id = await H.StartAsync<EchoOrchestration>(NewId("echo"), "hidden");
        await H.WaitForStatusAsync(id, OrchestrationStatus.Completed);

        var body = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}?showInput=false"), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, body.GetProperty("input").ValueKind);
        Assert.Equal("hidden", body.GetProperty("output").GetString());
    }

    [Fact]
    public async Task ShowHistory_lists_events_by_name_and_merges_activity_scheduling_without_episode_markers()
    {
        var key = NewId("hist");
        FlakyActivity.Succeed(key);
        var id = await H.StartAsync<FlakyOrchestration>(key, key);
        await H.WaitForStatusAsync(id, OrchestrationStatus.Completed);

        var withOutput = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}?showHistory=true&showHistoryOutput=true"), HttpStatusCode.OK);
        var events = withOutput.GetProperty("historyEvents").EnumerateArray().ToArray();
        var types = events.Select(e => e.GetProperty("EventType").GetString()!).ToArray();
        Assert.Equal(["ExecutionStarted", "TaskCompleted", "ExecutionCompleted"], types);
        Assert.Equal(typeof(FlakyOrchestration).FullName, events[0].GetProperty("FunctionName").GetString());
        Assert.Equal(typeof(FlakyActivity).FullName, events[1].GetProperty("FunctionName").GetString());
        Assert.True(events[1].TryGetProperty("ScheduledTime", out _));
        Assert.Equal("healed " + key, events[1].GetProperty("Result").GetString());
        Assert.Equal("Completed", events[2].GetProperty("OrchestrationStatus").GetString());
        Assert.False(events[0].TryGetProperty("EventId", out _));

        var withoutOutput = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}?showHistory=true"), HttpStatusCode.OK);
        Assert.All(withoutOutput.GetProperty("historyEvents").EnumerateArray(), e => Assert.False(e.TryGetProperty("Result", out _)));
    }

    [Fact]
    public async Task Running_instance_is_202_with_Location_of_the_request_and_Retry_After()
    {
        var id = await H.StartAsync<WaitForEventOrchestration>(NewId("wait"), "x");
        await H.WaitForStatusAsync(id, OrchestrationStatus.Running);

        var response = await H.GetAsync($"instances/{id}?code=abc");

        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.Accepted);
        Assert.Equal("Running", body.GetProperty("runtimeStatus").GetString());
        Assert.Equal(new Uri(H.Http.BaseAddress!, ManagementHarness.Url($"instances/{id}?code=abc")), response.Headers.Location);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        await H.PostAsync($"instances/{id}/terminate");
    }

    [Fact]
    public async Task Failed_instance_is_200_or_500_when_returnInternalServerErrorOnFailure()
    {
        var id = await H.StartAsync<FlakyOrchestration>(NewId("fail"), NewId("never-healed"));
        await H.WaitForStatusAsync(id, OrchestrationStatus.Failed);

        var ok = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}"), HttpStatusCode.OK);
        Assert.Equal("Failed", ok.GetProperty("runtimeStatus").GetString());
        var error = await ResponseAssert.JsonAsync(await H.GetAsync($"instances/{id}?returnInternalServerErrorOnFailure=true"), HttpStatusCode.InternalServerError);
        Assert.Equal("Failed", error.GetProperty("runtimeStatus").GetString());
    }

    [Fact]
    public async Task Unknown_instance_is_404()
    {
        await ResponseAssert.StatusAsync(await H.GetAsync($"instances/{NewId("missing")}"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("showHistory=maybe", "showHistory")]
    [InlineData("showHistoryOutput=1", "showHistoryOutput")]
    [InlineData("showInput=no", "showInput")]
    [InlineData("returnInternalServerErrorOnFailure=yes", "returnInternalServerErrorOnFailure")]
    public async Task Bad_boolean_parameter_is_400_naming_it(string query, string parameter)
    {
        await ResponseAssert.BadRequestNamingAsync(await H.GetAsync($"instances/some-id?{query}"), parameter);
    }

    [Fact]
    public async Task Instance_id_longer_than_256_characters_is_400_naming_instanceId()
    {
        await ResponseAssert.BadRequestNamingAsync(await H.GetAsync($"instances/{new string('a', 257)}"), "instanceId");
    }

    [Fact]
    public async Task Instance_id_with_a_control_character_is_400_naming_instanceId()
    {
        await ResponseAssert.BadRequestNamingAsync(await H.GetAsync("instances/bad%01id"), "instanceId");
    }
}
