using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LlmFunctions.Tests.Orchestration.DurableHarness;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>Inputs too large for a table property (blobs), and the chat endpoint handing a long wait to the durable
/// orchestration.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class HandOffAndPayloadTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Start_PromptOf40000Chars_CompletesWithInputInBlobAndPurgeRemovesBlobs()
    {
        await using var app = await ChatApp.StartAsync(
            azurite,
            ChatApp.Scenario(("Groq", "")),
            FastSettings(("LlmFunctions:Providers:Groq:MaxPromptChars", "50000")));
        var prompt = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 900))[..40_000];

        var id = await StartAsync(app, Prompt(prompt));
        var completed = await WaitForStatusAsync(app, id, "Completed");

        Assert.Equal(prompt, completed.GetProperty("input").GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(40_000, completed.GetProperty("output").GetProperty("metadata").GetProperty("prompt_chars").GetInt32());
        var row = (await InstancesTable(app).GetEntityAsync<TableEntity>(id, string.Empty)).Value;
        Assert.False(string.IsNullOrEmpty(row.GetString("InputBlob")));
        Assert.Null(row.GetString("Input"));
        var container = app.Factory.Services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(Hub(app).LargePayloadContainer);
        Assert.NotEmpty(await BlobNamesAsync(container, id));

        using var purge = await SendAsync(app, HttpMethod.Delete, $"{InstancesPath}/{id}");

        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Empty(await BlobNamesAsync(container, id));
        Assert.Empty(await BlobNamesAsync(container, string.Empty));
    }

    [Fact]
    public async Task ChatCompletions_WaitPastSyncLimit_Returns202AndInstanceCompletesOnSecondProvider()
    {
        await using var app = await ChatApp.StartAsync(
            azurite,
            ChatApp.Scenario(("Groq", "\"status\": 503"), ("Cerebras", "")),
            FastSettings(("LlmFunctions:Http:SyncWaitSeconds", "0"), ("LlmFunctions:Health:FailureThreshold", "100")));

        using var response = await PostAsync(app, "/v1/chat/completions", Prompt("hand me off"));

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
        var history = History(done);
        Assert.Equal("ExecutionStarted", history[0].GetProperty("EventType").GetString());
        Assert.True(history[0].GetProperty("handedOff").GetBoolean());
        var beforeHandOff = history[1];
        Assert.Equal("AttemptCompleted", beforeHandOff.GetProperty("EventType").GetString());
        Assert.Equal("Groq", beforeHandOff.GetProperty("provider").GetString());
        Assert.Equal(503, beforeHandOff.GetProperty("http_status").GetInt32());
        Assert.True(beforeHandOff.GetProperty("Timestamp").GetDateTimeOffset() <= done.GetProperty("createdTime").GetDateTimeOffset().AddMilliseconds(1));
        var groqAttempts = history.Count(e => e.GetProperty("EventType").GetString() == "AttemptCompleted" && e.GetProperty("provider").GetString() == "Groq");
        Assert.Equal(app.Simulator.Stats.For("Groq").Calls, groqAttempts);
        Assert.Equal(1, app.Simulator.Stats.For("Cerebras").Calls);
        Assert.Equal(1, Count(done, "ExecutionCompleted"));
    }

    private static async Task<List<string>> BlobNamesAsync(BlobContainerClient container, string instanceId)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, instanceId.Length == 0 ? null : instanceId + "/", CancellationToken.None))
        {
            names.Add(blob.Name);
        }

        return names;
    }
}
