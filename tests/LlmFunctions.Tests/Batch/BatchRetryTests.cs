using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Tests.Batch;

/// <summary>Retries of back-pressure answers, against a scripted gateway on 127.0.0.1 (answers the real gateway gives
/// only under slow or racy conditions). The real gateway's 503 is in <see cref="BatchRunnerTests"/>.</summary>
public sealed class BatchRetryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("batch-retry-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Prompt(int i) => string.Create(CultureInfo.InvariantCulture, $"prompt {i}");

    private static List<BatchItem> Prompts(int count) =>
        InputReader.Read(string.Join('\n', Enumerable.Range(0, count).Select(i => $$"""{"prompt": "{{Prompt(i)}}"}""")), InputFormat.Jsonl).Items.ToList();

    private static int IndexOf(string prompt) => int.Parse(prompt["prompt ".Length..], CultureInfo.InvariantCulture);

    private BatchRunnerOptions Options(Uri gateway) => new()
    {
        Gateway = gateway,
        ResultsPath = Path.Combine(_directory, "results.jsonl"),
        RunId = "retry",
        StopGrace = TimeSpan.FromSeconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        Aimd = new AimdOptions { Initial = 4, Max = 8, Pause = TimeSpan.FromMilliseconds(10) },
    };

    private static HttpClient Http(TimeSpan? timeout = null) => new() { Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    /// <summary>Every line a whole record, no index twice.</summary>
    private static Dictionary<int, ResultRecord> RecordsByIndex(string path)
    {
        var records = File.ReadAllLines(path).Select(l => System.Text.Json.JsonSerializer.Deserialize<ResultRecord>(l, ResultRecord.Json)!).ToList();
        Assert.Equal(records.Count, records.Select(r => r.Index).Distinct().Count());
        return records.ToDictionary(r => r.Index);
    }

    [Fact]
    public async Task Run_503ThenAnswer_ItemRecordedOnceAsSucceededWithItsTries()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = (prompt, n) => IndexOf(prompt) % 2 == 0 && n <= 2 ? new ScriptedAnswer(503, "1") : new ScriptedAnswer(200);
        using var http = Http();
        var options = Options(gateway.BaseAddress);

        var result = await new BatchRunner(http, options).RunAsync(Prompts(6));

        Assert.False(result.Stopped);
        var records = RecordsByIndex(options.ResultsPath);
        Assert.Equal(6, records.Count);
        Assert.All(records.Values, r =>
        {
            Assert.Equal(ResultRecord.Succeeded, r.Status);
            Assert.Equal(r.Index % 2 == 0 ? 3 : 1, r.Tries);
            Assert.Equal(r.Tries, gateway.Tries(Prompt(r.Index)));
            Assert.Equal(r.DurationMs, (long)(r.FinishedAt - r.StartedAt).TotalMilliseconds, tolerance: 50);
        });
        var summary = BatchSummary.From(result.Records, 6);
        Assert.Equal((3, 6), (summary.Retried, summary.Retries));
        Assert.Contains("retried:      3 items needed retries, 6 retries in all", summary.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_GatewayAnswers503EveryTime_RetriesExhaustedAndRecordedFailedWithRetriesPlusOneTries()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = (_, _) => new ScriptedAnswer(503, "1");
        using var http = Http();
        var options = Options(gateway.BaseAddress) with { Retries = 3 };

        var result = await new BatchRunner(http, options).RunAsync(Prompts(3));

        Assert.False(result.Stopped);
        Assert.All(RecordsByIndex(options.ResultsPath).Values, r =>
        {
            Assert.Equal(ResultRecord.Failed, r.Status);
            Assert.Equal((503, "all_providers_cooling_down", 4), (r.HttpStatus, r.ErrorClass, r.Tries));
            Assert.Equal(4, gateway.Tries(Prompt(r.Index)));
        });
    }

    [Theory]
    [InlineData(502)]
    [InlineData(400)]
    [InlineData(500)]
    public async Task Run_GatewayGaveUpOrItemRejected_RecordedAfterOneTry(int status)
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = (_, _) => new ScriptedAnswer(status, "1");
        using var http = Http();
        var options = Options(gateway.BaseAddress);

        await new BatchRunner(http, options).RunAsync(Prompts(3));

        Assert.All(RecordsByIndex(options.ResultsPath).Values, r =>
        {
            Assert.Equal((ResultRecord.Failed, status, 1), (r.Status, r.HttpStatus, r.Tries));
            Assert.Equal(1, gateway.Tries(Prompt(r.Index)));
        });
    }

    [Fact]
    public async Task Run_ClientSideTimeoutAfterTheRequestWentOut_RecordedAfterOneTry()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.HoldAnswers = true;
        using var http = Http(TimeSpan.FromMilliseconds(300));
        var options = Options(gateway.BaseAddress);

        await new BatchRunner(http, options).RunAsync(Prompts(2));

        Assert.All(RecordsByIndex(options.ResultsPath).Values, r =>
        {
            Assert.Equal((ResultRecord.Failed, "timeout", 1), (r.Status, r.ErrorClass, r.Tries));
            Assert.Equal(1, gateway.Tries(Prompt(r.Index)));
        });
    }

    [Fact]
    public async Task Run_GatewayNotListening_ConnectionRefusedRetriedThenRecordedAsTransport()
    {
        // A port that was free a moment ago: nothing listens on it, so every connection is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var http = Http();
        var options = Options(new Uri($"http://127.0.0.1:{port}/")) with { Retries = 2 };

        var result = await new BatchRunner(http, options).RunAsync(Prompts(2));

        Assert.False(result.Stopped);
        Assert.All(RecordsByIndex(options.ResultsPath).Values, r =>
        {
            Assert.Equal((ResultRecord.Failed, "transport", null, 3), (r.Status, r.ErrorClass, r.HttpStatus, r.Tries));
        });
    }

    [Fact]
    public async Task Run_503WithRetryAfter_NoItemStartsUntilItEnds()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = (prompt, n) => prompt == Prompt(0) && n == 1 ? new ScriptedAnswer(503, "1") : new ScriptedAnswer(200);
        using var http = Http();

        // One at a time, so that without the hold the next item would go out at once; the cap is above the second.
        var options = Options(gateway.BaseAddress) with { MaxRetryDelay = TimeSpan.FromSeconds(60), Aimd = new AimdOptions { Min = 1, Max = 1, Initial = 1 } };
        var progress = new RecordingProgress();

        await new BatchRunner(http, options, progress: progress).RunAsync(Prompts(3));

        var arrivals = gateway.Arrivals;
        Assert.Equal([Prompt(0), Prompt(0), Prompt(1), Prompt(2)], arrivals.Select(a => a.Prompt));
        var held = TimeProvider.System.GetElapsedTime(arrivals[0].Timestamp, arrivals[1].Timestamp);
        Assert.True(held >= TimeSpan.FromSeconds(0.95), $"the next request went out {held.TotalMilliseconds:0} ms after the 503 asked for 1 s");
        Assert.True(progress.SawHeld);
        Assert.All(RecordsByIndex(options.ResultsPath).Values, r => Assert.Equal(ResultRecord.Succeeded, r.Status));
    }

    [Fact]
    public async Task Run_StoppedWhileItemsWaitForRetry_TheyAreNotRecordedAndARerunRecordsEachIndexOnce()
    {
        const int count = 12;
        await using var gateway = await ScriptedGateway.StartAsync();

        // Every third item is refused for half a minute: the stop comes while it waits.
        gateway.Script = (prompt, _) => IndexOf(prompt) % 3 == 0 ? new ScriptedAnswer(503, "30") : new ScriptedAnswer(200);
        using var http = Http();
        var options = Options(gateway.BaseAddress) with { MaxRetryDelay = TimeSpan.FromSeconds(60) };
        using var stop = new CancellationTokenSource();
        var progress = new RecordingProgress(p =>
        {
            if (p.Waiting > 0)
            {
                stop.Cancel();
            }
        });

        var first = await new BatchRunner(http, options, progress: progress).RunAsync(Prompts(count), stop.Token);

        Assert.True(first.Stopped);
        Assert.True(first.WaitingAtStop >= 1, $"{first.WaitingAtStop} waiting at the stop");
        var recorded = RecordsByIndex(options.ResultsPath);
        Assert.Equal(first.Sent, recorded.Count);
        Assert.All(recorded.Values, r => Assert.Equal(ResultRecord.Succeeded, r.Status));
        Assert.DoesNotContain(recorded.Keys, i => i % 3 == 0);

        gateway.Script = (_, _) => new ScriptedAnswer(200);
        var second = await new BatchRunner(http, options).RunAsync(Prompts(count));

        Assert.False(second.Stopped);
        Assert.Equal((first.Sent, count - first.Sent, 0), (second.Skipped, second.Sent, second.WaitingAtStop));
        var all = RecordsByIndex(options.ResultsPath);
        Assert.Equal(Enumerable.Range(0, count), all.Keys.Order());
        Assert.All(all.Values, r => Assert.Equal(ResultRecord.Succeeded, r.Status));
    }
}
