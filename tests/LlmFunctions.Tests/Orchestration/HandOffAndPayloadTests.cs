using System.Net;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using static LlmFunctions.Tests.Orchestration.DurableHarness;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>Inputs too large for a table property (blobs), and the chat endpoint handing a long wait to the durable
/// orchestration.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class HandOffAndPayloadTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Start_PromptOf40000Chars_CompletesWithWholeInputAndPurgeRemovesIt()
    {
        await using var app = await ChatApp.StartAsync(
            azurite,
            ChatApp.Scenario(("Groq", "")),
            FastSettings(("LlmFunctions:Providers:Groq:MaxPromptChars", "50000")));
        var prompt = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 900))[..40_000];

        var id = await StartAsync(app, Prompt(prompt));
        var completed = await WaitForStatusAsync(app, id, "Completed");

        Assert.Equal(prompt, completed.GetProperty("input").GetProperty("request").GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(40_000, completed.GetProperty("output").GetProperty("metadata").GetProperty("prompt_chars").GetInt32());

        using var purge = await SendAsync(app, HttpMethod.Delete, $"{InstancesPath}/{id}");

        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await StatusAsync(app, id)).Status);
    }

    [Fact]
    public async Task ChatCompletions_WaitPastSyncLimitWithPreferRespondAsync_Returns202AndInstanceCompletesOnSecondProvider()
    {
        await using var app = await ChatApp.StartAsync(
            azurite,
            ChatApp.Scenario(("Groq", "\"status\": 503"), ("Cerebras", "")),
            FastSettings(("LlmFunctions:Http:SyncWaitSeconds", "0"), ("LlmFunctions:Health:FailureThreshold", "100")));

        using var response = await PostAsync(app, "/v1/chat/completions", Prompt("hand me off"), prefer: "respond-async");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var payload = await JsonAsync(response);
        foreach (var field in new[] { "id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri", "restartPostUri", "suspendPostUri", "resumePostUri" })
        {
            Assert.False(string.IsNullOrEmpty(payload.GetProperty(field).GetString()), field);
        }

        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
        var statusUri = new Uri(payload.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal(statusUri, response.Headers.Location);
        using var client = app.Client();
        JsonElement done = default;
        await Eventually.WaitAsync(
            async () =>
            {
                using var status = await client.GetAsync(new Uri(statusUri + "&showHistory=true"));
                done = await JsonAsync(status);
                return status.StatusCode == HttpStatusCode.OK;
            },
            WaitLimit,
            () => $"the handed-off instance to finish; last seen: {done}");

        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.StartsWith("[Cerebras/", done.GetProperty("output").GetProperty("content").GetString(), StringComparison.Ordinal);
        var attempts = done.GetProperty("output").GetProperty("metadata").GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal("Groq", attempts[0].GetProperty("provider").GetString());
        Assert.Equal(503, attempts[0].GetProperty("http_status").GetInt32());
        Assert.Equal("Cerebras", attempts[^1].GetProperty("provider").GetString());
        Assert.Equal("Success", attempts[^1].GetProperty("error_class").GetString());
        Assert.Equal(attempts.Count(a => a.GetProperty("provider").GetString() == "Groq"), app.Simulator.Stats.For("Groq").Calls);
        var history = History(done);
        Assert.Equal("ExecutionStarted", history[0].GetProperty("EventType").GetString());
        Assert.Equal("ExecutionCompleted", history[^1].GetProperty("EventType").GetString());
    }
}
