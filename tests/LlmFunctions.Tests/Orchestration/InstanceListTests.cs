using System.Globalization;
using System.Net;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using static LlmFunctions.Tests.Orchestration.DurableHarness;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>GET <c>/runtime/webhooks/durabletask/instances</c>: filters, paging with the continuation header, and
/// bad parameters.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class InstanceListTests(AzuriteFixture azurite)
{
    private static readonly string FlakyThenHealthy = ChatApp.Scenario(("Groq", "\"status\": 503"), ("Cerebras", ""));

    [Fact]
    public async Task List_FiltersAndTop2Pages_ReturnEachInstanceExactlyOnce()
    {
        // Instances hinted to Cerebras complete at once; the others wait 10 s on a timer after Groq's 503.
        await using var app = await ChatApp.StartAsync(azurite, FlakyThenHealthy, InstanceManagementTests.WaitingSettings("00:00:10"));
        var completed = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            var id = await StartAsync(app, """{"model":"Cerebras","messages":[{"role":"user","content":"hi"}]}""");
            completed.Add(await WaitForStatusAsync(app, id, "Completed"));
        }

        var running = new List<JsonElement>();
        for (var i = 0; i < 2; i++)
        {
            var id = await StartAsync(app);
            await WaitForTimerAsync(app, id);
            running.Add((await StatusAsync(app, id)).Body);
        }

        var all = completed.Concat(running).Select(Id).ToHashSet();
        Assert.Equal(5, all.Count);

        Assert.Equal(completed.Select(Id).ToHashSet(), await IdsAsync(app, "?runtimeStatus=Completed"));
        Assert.Equal(running.Select(Id).ToHashSet(), await IdsAsync(app, "?runtimeStatus=Running"));
        Assert.Equal(all, await IdsAsync(app, "?runtimeStatus=Completed,Running"));
        Assert.Empty(await IdsAsync(app, "?runtimeStatus=Failed,Terminated"));

        var from = Created(completed[1]);
        var to = Created(running[0]).AddMilliseconds(1);
        Assert.Equal(new[] { completed[1], completed[2], running[0] }.Select(Id).ToHashSet(), await IdsAsync(app, $"?createdTimeFrom={Time(from)}&createdTimeTo={Time(to)}"));
        Assert.Equal(new[] { completed[1], completed[2] }.Select(Id).ToHashSet(), await IdsAsync(app, $"?createdTimeFrom={Time(from)}&createdTimeTo={Time(to)}&runtimeStatus=Completed"));
        Assert.Equal(running.Select(Id).ToHashSet(), await IdsAsync(app, $"?createdTimeFrom={Time(Created(running[0]))}"));

        var seen = new List<string>();
        var pages = 0;
        string? continuation = null;
        do
        {
            var (status, page, next) = await ListAsync(app, "?top=2", continuation);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.InRange(page.GetArrayLength(), 1, 2);
            seen.AddRange(page.EnumerateArray().Select(Id));
            continuation = next;
            pages++;
            Assert.True(pages <= 5, "paging did not end");
        }
        while (continuation is not null);

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Count);
        Assert.Equal(all, seen.ToHashSet());
    }

    [Fact]
    public async Task List_ShowInputFalse_LeavesTheInputOutAndTheRestIn()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Cerebras", "")), InstanceManagementTests.WaitingSettings("00:00:01"));
        var id = await StartAsync(app);
        await WaitForStatusAsync(app, id, "Completed");

        var (status, page, _) = await ListAsync(app, "?showInput=false", null);

        Assert.Equal(HttpStatusCode.OK, status);
        var instance = Assert.Single(page.EnumerateArray());
        Assert.Equal(JsonValueKind.Null, instance.GetProperty("input").ValueKind);
        Assert.Equal("Completed", instance.GetProperty("runtimeStatus").GetString());
        var (_, withInput, _) = await ListAsync(app, string.Empty, null);
        Assert.Equal(JsonValueKind.Object, Assert.Single(withInput.EnumerateArray()).GetProperty("input").ValueKind);
    }

    [Theory]
    [InlineData("top=0", "top")]
    [InlineData("top=1001", "top")]
    [InlineData("top=abc", "top")]
    [InlineData("runtimeStatus=Bogus", "runtimeStatus")]
    [InlineData("runtimeStatus=Completed,7", "runtimeStatus")]
    [InlineData("createdTimeFrom=notadate", "createdTimeFrom")]
    [InlineData("createdTimeTo=notadate", "createdTimeTo")]
    [InlineData("showInput=maybe", "showInput")]
    public async Task List_BadParameter_Returns400NamingIt(string query, string param)
    {
        await using var app = await ChatApp.StartAsync(azurite, FlakyThenHealthy, FastSettings());

        using var response = await SendAsync(app, HttpMethod.Get, $"{InstancesPath}?{query}");

        await AssertErrorNamingAsync(response, HttpStatusCode.BadRequest, param);
    }

    private static string Id(JsonElement status) => status.GetProperty("instanceId").GetString()!;

    private static DateTimeOffset Created(JsonElement status) =>
        DateTimeOffset.Parse(status.GetProperty("createdTime").GetString()!, CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) =>
        Uri.EscapeDataString(time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));

    private static async Task<HashSet<string>> IdsAsync(ChatApp app, string query)
    {
        var (status, body, next) = await ListAsync(app, query);
        Assert.True(status == HttpStatusCode.OK, $"list {query} answered {(int)status}: {body}");
        Assert.Null(next);
        return body.EnumerateArray().Select(Id).ToHashSet();
    }
}
