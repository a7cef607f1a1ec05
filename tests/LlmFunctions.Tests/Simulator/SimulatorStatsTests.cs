using System.Net;
using LlmFunctions.Simulator;
using static LlmFunctions.Tests.Simulator.SimulatorTestHost;

namespace LlmFunctions.Tests.Simulator;

public sealed class SimulatorStatsTests
{
    private const string Fleet = """
        { "providers": [
            { "name": "Healthy", "api": "openai" },
            { "name": "Limited", "api": "openai", "quota": { "requests": 20, "status": 429 } } ] }
        """;

    [Fact]
    public async Task Stats_CallsWithErrorLatency_SumTheirBusyTime()
    {
        await using var server = await StartAsync("""
            { "providers": [
                { "name": "Dead", "api": "openai", "status": 404, "errorLatencyMs": { "fixed": 300 } },
                { "name": "Fast", "api": "openai" } ] }
            """);
        using var client = Client(server);

        using var first = await PostOpenAiAsync(client, server, "Dead");
        using var second = await PostOpenAiAsync(client, server, "Dead");
        using var fast = await PostOpenAiAsync(client, server, "Fast");

        var stats = server.Stats;
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        // Timers may fire a millisecond or so before the stopwatch agrees: a lower bound with slack, no upper bound.
        Assert.True(stats.For("Dead").BusyTime >= TimeSpan.FromMilliseconds(550), $"busy {stats.For("Dead").BusyTime}");
        Assert.True(stats.For("Fast").BusyTime > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, stats.For("Unknown").BusyTime);
    }

    [Fact]
    public async Task Stats_FiftyConcurrentCalls_CountsExactly()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);

        var calls = Enumerable.Range(0, 50).SelectMany(_ => new[]
        {
            PostOpenAiAsync(client, server, "Healthy"),
            PostOpenAiAsync(client, server, "Limited"),
        });
        var responses = await Task.WhenAll(calls);
        var limitedOk = responses.Count(r => r.RequestMessage!.RequestUri!.AbsolutePath.StartsWith("/Limited", StringComparison.Ordinal)
            && r.StatusCode == HttpStatusCode.OK);
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var stats = server.Stats;
        Assert.Equal(50, stats.For("Healthy").Calls);
        Assert.Equal(50, stats.For("Healthy").Count(SimulatorOutcomes.Ok));
        Assert.Equal(50, stats.For("Limited").Calls);
        Assert.Equal(20, stats.For("Limited").Count(SimulatorOutcomes.Ok));
        Assert.Equal(30, stats.For("Limited").Count(SimulatorOutcomes.QuotaExhausted));
        Assert.Equal(20, limitedOk);
    }

    [Fact]
    public async Task StatsEndpoint_AfterCalls_ServesCountersAsJson()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);
        using (await PostOpenAiAsync(client, server, "Healthy"))
        using (await PostOpenAiAsync(client, server, "Healthy"))
        {
        }

        using var response = await client.GetAsync(new Uri("_sim/stats", UriKind.Relative));
        var healthy = (await JsonAsync(response)).GetProperty("providers").GetProperty("Healthy");

        Assert.Equal(2, healthy.GetProperty("calls").GetInt64());
        Assert.Equal(2, healthy.GetProperty("outcomes").GetProperty("ok").GetInt64());
    }

    [Fact]
    public async Task ResetEndpoint_AfterQuotaExhausted_ZeroesCountersAndRefillsQuota()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);
        for (var i = 0; i < 21; i++)
        {
            using var _ = await PostOpenAiAsync(client, server, "Limited");
        }

        using var reset = await client.PostAsync(new Uri("_sim/reset", UriKind.Relative), content: null);
        var afterReset = server.Stats;
        using var next = await PostOpenAiAsync(client, server, "Limited");

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Empty(afterReset.Providers);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(1, server.Stats.For("Limited").Calls);
    }

    [Fact]
    public async Task ResetStats_AfterCalls_ZeroesSnapshot()
    {
        await using var server = await StartAsync(Fleet);
        using var client = Client(server);
        using (await PostOpenAiAsync(client, server, "Healthy"))
        {
        }

        server.ResetStats();

        Assert.Equal(0, server.Stats.For("Healthy").Calls);
    }

    [Fact]
    public async Task Faults_SameSeed_FireOnTheSameCalls()
    {
        const string json = """
            { "seed": 42, "providers": [ { "name": "Flaky", "api": "openai", "faults": [ { "kind": "status", "status": 503, "rate": 0.5 } ] } ] }
            """;

        var first = await StatusSequenceAsync(json);
        var second = await StatusSequenceAsync(json);

        Assert.Equal(first, second);
        Assert.Contains(HttpStatusCode.OK, first);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, first);
    }

    private static async Task<HttpStatusCode[]> StatusSequenceAsync(string json)
    {
        await using var server = await StartAsync(json);
        using var client = Client(server);
        var statuses = new HttpStatusCode[20];
        for (var i = 0; i < statuses.Length; i++)
        {
            using var response = await PostOpenAiAsync(client, server, "Flaky");
            statuses[i] = response.StatusCode;
        }

        return statuses;
    }
}
