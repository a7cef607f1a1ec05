using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using DurableTask.Core;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.StandaloneHost.Management;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class InstanceListApiTests(WorkerHarnessFixture fixture) : IClassFixture<WorkerHarnessFixture>
{
    private const string TokenHeader = "x-ms-continuation-token";

    private ManagementHarness H => fixture.Harness;

    private async Task<List<string>> StartCompletedAsync(string prefix, int count)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}{i:D2}").ToList();
        foreach (var id in ids)
        {
            await H.StartAsync<EchoOrchestration>(id, "input of " + id);
        }

        foreach (var id in ids)
        {
            await H.WaitForStatusAsync(id, OrchestrationStatus.Completed);
        }

        return ids;
    }

    private Task<HttpResponseMessage> ListAsync(string query, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, ManagementHarness.Url("instances?" + query));
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation(TokenHeader, token);
        }

        return H.Http.SendAsync(request);
    }

    [Fact]
    public async Task Paging_with_top_follows_continuation_tokens_through_every_instance_once()
    {
        var prefix = $"page-{Guid.NewGuid():N}-";
        var ids = await StartCompletedAsync(prefix, 5);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var response = await ListAsync($"instanceIdPrefix={prefix}&top=2&taskHub=x&connection=y&code=z", token);
            var page = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
            Assert.InRange(page.GetArrayLength(), 0, 2);
            seen.AddRange(page.EnumerateArray().Select(e => e.GetProperty("instanceId").GetString()!));
            token = response.Headers.TryGetValues(TokenHeader, out var values) ? values.Single() : null;
            Assert.True(++pages <= 10, "paging did not end");
        }
        while (token is not null);

        Assert.Equal(ids, seen.Order(StringComparer.Ordinal));
        Assert.True(pages >= 3, $"5 instances at top=2 came in {pages} page(s)");
    }

    [Fact]
    public async Task List_items_have_the_status_fields_and_showInput_false_leaves_input_null()
    {
        var prefix = $"fields-{Guid.NewGuid():N}-";
        await StartCompletedAsync(prefix, 1);

        var withInput = await ResponseAssert.JsonAsync(await ListAsync($"instanceIdPrefix={prefix}"), HttpStatusCode.OK);
        var withoutInput = await ResponseAssert.JsonAsync(await ListAsync($"instanceIdPrefix={prefix}&showInput=false"), HttpStatusCode.OK);

        var item = Assert.Single(withInput.EnumerateArray());
        Assert.Equal(
            ["name", "instanceId", "runtimeStatus", "input", "customStatus", "output", "createdTime", "lastUpdatedTime"],
            item.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal($"input of {prefix}00", item.GetProperty("input").GetString());
        var hidden = Assert.Single(withoutInput.EnumerateArray());
        Assert.Equal(JsonValueKind.Null, hidden.GetProperty("input").ValueKind);
        Assert.Equal($"input of {prefix}00", hidden.GetProperty("output").GetString());
    }

    [Fact]
    public async Task RuntimeStatus_and_createdTime_filters_select_the_matching_instances()
    {
        var prefix = $"filter-{Guid.NewGuid():N}-";
        var from = DateTime.UtcNow.AddSeconds(-1);
        var completed = await StartCompletedAsync(prefix, 2);
        var running = await H.StartAsync<WaitForEventOrchestration>(prefix + "run", "x");
        await H.WaitForStatusAsync(running, OrchestrationStatus.Running);

        async Task<string[]> IdsAsync(string query) =>
            (await ResponseAssert.JsonAsync(await ListAsync($"instanceIdPrefix={prefix}&{query}"), HttpStatusCode.OK))
                .EnumerateArray().Select(e => e.GetProperty("instanceId").GetString()!).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(completed, await IdsAsync("runtimeStatus=Completed"));
        Assert.Equal(new[] { running }, await IdsAsync("runtimeStatus=running,Suspended"));
        Assert.Equal(completed.Append(running).ToArray(), await IdsAsync("runtimeStatus=Completed,Running"));
        Assert.Equal(completed.Append(running).ToArray(), await IdsAsync($"createdTimeFrom={from:O}"));
        Assert.Empty(await IdsAsync($"createdTimeTo={from:O}"));
        await H.PostAsync($"instances/{running}/terminate");
    }

    [Theory]
    [InlineData("runtimeStatus=Completed,Bogus", "runtimeStatus")]
    [InlineData("runtimeStatus=1", "runtimeStatus")]
    [InlineData("createdTimeFrom=yesterday", "createdTimeFrom")]
    [InlineData("createdTimeTo=2026-13-45", "createdTimeTo")]
    [InlineData("top=0", "top")]
    [InlineData("top=1001", "top")]
    [InlineData("top=ten", "top")]
    [InlineData("top=-5", "top")]
    [InlineData("showInput=sometimes", "showInput")]
    public async Task Bad_list_parameter_is_400_naming_it(string query, string parameter)
    {
        await ResponseAssert.BadRequestNamingAsync(await ListAsync(query), parameter);
    }

    [Theory]
    [InlineData("not a token!")]
    [InlineData("%%%%")]
    [InlineData("AAECAwQ")]
    public async Task Malformed_continuation_token_is_400_naming_the_header(string token)
    {
        await ResponseAssert.BadRequestNamingAsync(await ListAsync("top=5", token), TokenHeader);
    }

    [Fact]
    public async Task Well_formed_but_foreign_continuation_token_is_never_a_500()
    {
        var token = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("garbage-partition garbage-row"));

        var response = await ListAsync("top=5", token);

        Assert.True(
            response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest,
            $"got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Purge_many_deletes_the_instances_in_the_window_and_status_then_404_when_none_are_left()
    {
        var prefix = $"purge-{Guid.NewGuid():N}-";
        var from = DateTime.UtcNow.AddSeconds(-1);
        var ids = await StartCompletedAsync(prefix, 2);
        var to = DateTime.UtcNow.AddSeconds(1);

        var body = await ResponseAssert.JsonAsync(
            await H.DeleteAsync($"instances?createdTimeFrom={from:O}&createdTimeTo={to:O}&runtimeStatus=Completed"), HttpStatusCode.OK);

        Assert.True(body.GetProperty("instancesDeleted").GetInt32() >= 2);
        foreach (var id in ids)
        {
            await ResponseAssert.StatusAsync(await H.GetAsync($"instances/{id}"), HttpStatusCode.NotFound);
        }

        await ResponseAssert.StatusAsync(
            await H.DeleteAsync($"instances?createdTimeFrom={from:O}&createdTimeTo={to:O}&runtimeStatus=Completed"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("", "createdTimeFrom")]
    [InlineData("createdTimeFrom=soon", "createdTimeFrom")]
    [InlineData("createdTimeFrom=2026-01-01T00:00:00Z&createdTimeTo=later", "createdTimeTo")]
    [InlineData("createdTimeFrom=2026-01-01T00:00:00Z&runtimeStatus=Done", "runtimeStatus")]
    public async Task Purge_many_with_a_missing_or_bad_filter_is_400_naming_it(string query, string parameter)
    {
        await ResponseAssert.BadRequestNamingAsync(await H.DeleteAsync($"instances?{query}"), parameter);
    }
}
