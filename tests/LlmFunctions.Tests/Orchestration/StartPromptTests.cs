using System.Net;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using static LlmFunctions.Tests.Orchestration.DurableHarness;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>POST <c>/api/prompts</c>: the 202 and its management payload, the status query while running and when
/// completed, client-chosen instance ids, and rejected input that stores nothing.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class StartPromptTests(AzuriteFixture azurite)
{
    // Groq is dead (403), Cerebras answers after 700 ms: long enough to see the instance running.
    private static readonly string DeadThenSlow = Scenario(("Groq", "\"status\": 403"), ("Cerebras", "\"latencyMs\": { \"fixed\": 700 }"));

    private static readonly string OneHealthy = ChatApp.Scenario(("Groq", ""));

    [Fact]
    public async Task Start_ValidPrompt_Returns202WithLocationAndDurableManagementPayload()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());

        using var response = await PostAsync(app, "/api/prompts", Prompt());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var json = await JsonAsync(response);
        var id = json.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        var instance = $"http://localhost{InstancesPath}/{id}";
        var hubQuery = $"?taskHub={app.TaskHub}&connection=Storage";
        Assert.Equal(instance + hubQuery, json.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(instance + "/raiseEvent/{eventName}" + hubQuery, json.GetProperty("sendEventPostUri").GetString());
        Assert.Equal(instance + "/terminate" + hubQuery + "&reason={text}", json.GetProperty("terminatePostUri").GetString());
        Assert.Equal(instance + hubQuery, json.GetProperty("purgeHistoryDeleteUri").GetString());
        Assert.Equal(instance + "/restart" + hubQuery, json.GetProperty("restartPostUri").GetString());
        Assert.Equal(instance + "/suspend" + hubQuery + "&reason={text}", json.GetProperty("suspendPostUri").GetString());
        Assert.Equal(instance + "/resume" + hubQuery + "&reason={text}", json.GetProperty("resumePostUri").GetString());
        Assert.Equal(json.GetProperty("statusQueryGetUri").GetString(), response.Headers.Location?.ToString());
        await WaitForStatusAsync(app, id, "Completed");
    }

    [Fact]
    public async Task StatusQuery_RunningThenCompleted_202WithRetryAfterThen200WithOutputAndAttemptTelemetry()
    {
        await using var app = await ChatApp.StartAsync(azurite, DeadThenSlow, FastSettings());
        using var start = await PostAsync(app, "/api/prompts", """{"messages":[{"role":"user","content":"Say hello"}],"max_tokens":50}""");
        var statusUri = new Uri((await JsonAsync(start)).GetProperty("statusQueryGetUri").GetString()!);
        using var client = app.Client();

        using (var running = await client.GetAsync(statusUri))
        {
            Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
            Assert.Equal(statusUri, running.Headers.Location);
            Assert.NotNull(running.Headers.RetryAfter);
            var body = await JsonAsync(running);
            Assert.Matches("^(Pending|Running)$", body.GetProperty("runtimeStatus").GetString());
        }

        JsonElement done = default;
        await Eventually.WaitAsync(
            async () =>
            {
                using var response = await client.GetAsync(statusUri);
                done = await JsonAsync(response);
                return response.StatusCode == HttpStatusCode.OK;
            },
            WaitLimit,
            "the status query to answer 200");

        var id = statusUri.Segments[^1];
        Assert.Equal("PromptOrchestrator", done.GetProperty("name").GetString());
        Assert.Equal(id, done.GetProperty("instanceId").GetString());
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal("Say hello", done.GetProperty("input").GetProperty("request").GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(50, done.GetProperty("input").GetProperty("request").GetProperty("parameters").GetProperty("max_tokens").GetInt32());
        Assert.Equal("completed", done.GetProperty("customStatus").GetProperty("phase").GetString());
        var created = done.GetProperty("createdTime").GetDateTimeOffset();
        var updated = done.GetProperty("lastUpdatedTime").GetDateTimeOffset();
        Assert.True(updated >= created.AddMilliseconds(600), $"created {created:O}, updated {updated:O}");

        var output = done.GetProperty("output");
        Assert.StartsWith("[Cerebras/", output.GetProperty("content").GetString(), StringComparison.Ordinal);
        var metadata = output.GetProperty("metadata");
        Assert.Equal("Cerebras", metadata.GetProperty("provider").GetString());
        Assert.True(metadata.GetProperty("fallback_used").GetBoolean());
        var attempts = metadata.GetProperty("attempts");
        Assert.Equal(2, attempts.GetArrayLength());
        var dead = attempts[0];
        Assert.Equal("Groq", dead.GetProperty("provider").GetString());
        Assert.False(string.IsNullOrEmpty(dead.GetProperty("model").GetString()));
        Assert.Equal(403, dead.GetProperty("http_status").GetInt32());
        Assert.Equal("AuthFailed", dead.GetProperty("error_class").GetString());
        Assert.Equal(1, dead.GetProperty("attempt").GetInt32());
        Assert.False(dead.GetProperty("fallback_used").GetBoolean());
        var served = attempts[1];
        Assert.Equal("Cerebras", served.GetProperty("provider").GetString());
        Assert.Equal(200, served.GetProperty("http_status").GetInt32());
        Assert.Equal("Success", served.GetProperty("error_class").GetString());
        Assert.InRange(served.GetProperty("duration_ms").GetInt64(), 600, 8000);
        Assert.Equal(0, served.GetProperty("wait_before_ms").GetInt64());
        Assert.True(served.GetProperty("fallback_used").GetBoolean());
        Assert.Equal(9, served.GetProperty("prompt_chars").GetInt32());
        Assert.False(served.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task StatusQuery_ShowHistory_ListsStartEachActivityAndCompletion()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 403"), ("Cerebras", "")), FastSettings());
        var id = await StartAsync(app);
        await WaitForStatusAsync(app, id, "Completed");

        var (status, withHistory) = await StatusAsync(app, id, showHistory: true);
        var (_, without) = await StatusAsync(app, id);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(without.TryGetProperty("historyEvents", out _));
        var events = History(withHistory).Select(e => e.GetProperty("EventType").GetString()!).ToList();
        Assert.Equal("ExecutionStarted", events[0]);
        Assert.Equal("ExecutionCompleted", events[^1]);
        // One AttemptProvider per provider: Groq (403, returned, not retried) and Cerebras. No ReadProviderHealth:
        // StartPrompt put the candidates in the input.
        var activities = History(withHistory).Where(e => e.GetProperty("EventType").GetString() == "TaskCompleted")
            .Select(e => e.GetProperty("FunctionName").GetString()).ToList();
        Assert.Equal(["AttemptProvider", "AttemptProvider"], activities);
        Assert.Equal(0, events.Count(e => e == "TaskFailed"));
    }

    [Fact]
    public async Task Start_RouteInstanceIdTwice_ReturnsSameInstanceAndCallsProviderOnce()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());

        var first = await StartAsync(app, path: "/api/prompts/order-42");
        var second = await StartAsync(app, Prompt("a different prompt"), path: "/api/prompts/order-42");
        var completed = await WaitForStatusAsync(app, "order-42", "Completed");
        var third = await StartAsync(app, path: "/api/prompts/order-42");

        Assert.Equal("order-42", first);
        Assert.Equal("order-42", second);
        Assert.Equal("order-42", third);
        Assert.Equal("hello there", completed.GetProperty("input").GetProperty("request").GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
        var (_, after) = await StatusAsync(app, "order-42");
        Assert.Equal("Completed", after.GetProperty("runtimeStatus").GetString());
        Assert.Equal(completed.GetProperty("lastUpdatedTime").GetString(), after.GetProperty("lastUpdatedTime").GetString());
        var (_, list, _) = await ListAsync(app);
        Assert.Equal(1, list.GetArrayLength());
    }

    [Fact]
    public async Task Start_QueryInstanceId_IsTheInstanceId()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());

        var id = await StartAsync(app, path: "/api/prompts?instanceId=" + Uri.EscapeDataString("batch 7:item=3"));

        Assert.Equal("batch 7:item=3", id);
        var done = await WaitForStatusAsync(app, id, "Completed");
        Assert.Equal(id, done.GetProperty("instanceId").GetString());
    }

    public static TheoryData<string> InvalidIds() => new()
    {
        new string('a', 257),
        "a#b",
        "a?b",
        "a\\b",
        "a\u0001b",
        "a\u0000b",
        "a\nb",
    };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task Start_InvalidInstanceId_Returns400NamingInstanceIdAndStoresNothing(string instanceId)
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());

        using var byQuery = await PostAsync(app, "/api/prompts?instanceId=" + Uri.EscapeDataString(instanceId), Prompt());
        await AssertErrorNamingAsync(byQuery, HttpStatusCode.BadRequest, "instanceId");
        if (!instanceId.Contains('?', StringComparison.Ordinal) && !instanceId.Any(char.IsControl))
        {
            using var byRoute = await PostAsync(app, "/api/prompts/" + Uri.EscapeDataString(instanceId), Prompt());
            await AssertErrorNamingAsync(byRoute, HttpStatusCode.BadRequest, "instanceId");
        }

        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
        await AssertNothingStoredAsync(app);
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("""{"model":"auto"}""", "messages")]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"messages":"hello"}""", "messages")]
    [InlineData("""{"messages":[{"role":1,"content":"a"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"max_tokens":"x"}""", "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"a"}],"temperature":"hot"}""", "temperature")]
    public async Task Start_BadInput_Returns400NamingTheFieldAndStoresNothing(string body, string? param)
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());

        using var response = await PostAsync(app, "/api/prompts", body);

        if (param is null)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("not valid JSON", (await JsonAsync(response)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        else
        {
            await AssertErrorNamingAsync(response, HttpStatusCode.BadRequest, param);
        }

        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Start_BodyOver1MiB_Returns413AndStoresNothing()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, FastSettings());

        using var response = await PostAsync(app, "/api/prompts?instanceId=big", Prompt(new string('x', (1024 * 1024) + 1)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1048576 bytes", (await JsonAsync(response)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
        await AssertNothingStoredAsync(app);
        var (notFound, _) = await StatusAsync(app, "big");
        Assert.Equal(HttpStatusCode.NotFound, notFound);
    }

    private static async Task AssertNothingStoredAsync(ChatApp app)
    {
        var (status, list, _) = await ListAsync(app);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Array, list.ValueKind);
        Assert.Equal(0, list.GetArrayLength());
    }
}
