using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LlmFunctions.Cli;
using LlmFunctions.Classification;
using LlmFunctions.Cli.Batch;
using LlmFunctions.Health;
using LlmFunctions.Simulator;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Batch;

/// <summary>The batch runner against the real function app in memory (Azurite, provider simulator).</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class BatchRunnerTests(AzuriteFixture azurite) : IDisposable
{
    private const int Items = 40;
    private static readonly string Fleet = ChatApp.Scenario(("Groq", ""), ("Cerebras", ""));
    private readonly string _directory = Directory.CreateTempSubdirectory("batch-run-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<BatchItem> Prompts(int count = Items) =>
        InputReader.Read(string.Join('\n', Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $$"""{"prompt": "Batch prompt {{i}}: name a prime number."}"""))), InputFormat.Jsonl).Items.ToList();

    private BatchRunnerOptions Options(ChatApp app, BatchMode mode, string name = "results.jsonl") => new()
    {
        Gateway = app.Factory.Server.BaseAddress,
        Mode = mode,
        ResultsPath = Path.Combine(_directory, name),
        RunId = "run-" + Guid.NewGuid().ToString("N")[..8],
        PollInterval = TimeSpan.FromMilliseconds(50),
        StopGrace = TimeSpan.FromSeconds(10),
        Aimd = new AimdOptions { Initial = 4, Max = 8 },
    };

    /// <summary>Every index exactly once, each line a whole record.</summary>
    private static List<ResultRecord> AssertEveryItemOnce(string path, int count = Items)
    {
        var lines = File.ReadAllLines(path);
        var records = lines.Select(l => JsonSerializer.Deserialize<ResultRecord>(l, ResultRecord.Json)!).ToList();
        Assert.Equal(Enumerable.Range(0, count), records.Select(r => r.Index).Order());
        return records;
    }

    [Theory]
    [InlineData(BatchMode.Sync)]
    [InlineData(BatchMode.Durable)]
    public async Task Run_FortyItems_EveryItemRecordedOnceWithProviderModelAndAttempts(BatchMode mode)
    {
        await using var app = await ChatApp.StartAsync(azurite, Fleet);
        using var http = app.Client();
        var options = Options(app, mode);
        var progress = new RecordingProgress();

        var result = await new BatchRunner(http, options, progress: progress).RunAsync(Prompts());

        Assert.False(result.Stopped);
        Assert.Equal((0, Items, 0), (result.Skipped, result.Sent, result.Abandoned));
        var records = AssertEveryItemOnce(options.ResultsPath);
        Assert.All(records, r =>
        {
            Assert.Equal(ResultRecord.Succeeded, r.Status);
            Assert.Equal(200, r.HttpStatus);
            Assert.True(r.Provider is "Groq" or "Cerebras", r.Provider);
            Assert.False(string.IsNullOrEmpty(r.Model));
            Assert.True(r.Attempts >= 1);
            Assert.True(r.PromptChars > 0);
            Assert.False(string.IsNullOrEmpty(r.Content));
            Assert.True(r.FinishedAt >= r.StartedAt);
        });
        if (mode == BatchMode.Durable)
        {
            Assert.All(records, r => Assert.Equal($"{options.RunId}-{r.Index}", r.InstanceId));
        }

        var last = progress.Last!;
        Assert.Equal((Items, 0, 0), (last.Done, last.Failed, last.InFlight));
        Assert.True(progress.MaxInFlight is >= 1 and <= 8, $"in flight peaked at {progress.MaxInFlight}");
        Assert.NotEmpty(result.Timeline);
    }

    [Theory]
    [InlineData(BatchMode.Sync)]
    [InlineData(BatchMode.Durable)]
    public async Task Run_StoppedMidRunThenRerun_EveryItemRecordedExactlyOnce(BatchMode mode)
    {
        await using var app = await ChatApp.StartAsync(azurite, Fleet);
        using var http = app.Client();
        var options = Options(app, mode) with { StopGrace = TimeSpan.Zero };
        using var stop = new CancellationTokenSource();
        var progress = new RecordingProgress(p =>
        {
            if (p.Done >= 10)
            {
                stop.Cancel();
            }
        });

        // Grace zero: the stop abandons what is in flight, as a kill would.
        var first = await new BatchRunner(http, options, progress: progress).RunAsync(Prompts(), stop.Token);
        Assert.True(first.Stopped);
        Assert.InRange(first.Sent, 10, Items - 1);
        Assert.Equal(first.Sent, File.ReadAllLines(options.ResultsPath).Length);

        var second = await new BatchRunner(http, options).RunAsync(Prompts());
        Assert.False(second.Stopped);
        Assert.Equal(first.Sent, second.Skipped);
        Assert.Equal(Items - first.Sent, second.Sent);
        Assert.All(AssertEveryItemOnce(options.ResultsPath), r => Assert.Equal(ResultRecord.Succeeded, r.Status));

        if (mode == BatchMode.Durable)
        {
            // The restart found the instances of the abandoned items instead of starting new ones.
            using var list = await http.GetAsync(new Uri("/runtime/webhooks/durabletask/instances?top=1000", UriKind.Relative));
            var ids = (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(e => e.GetProperty("instanceId").GetString()!).Where(id => id.StartsWith(options.RunId, StringComparison.Ordinal)).ToList();
            Assert.Equal(Items, ids.Count);
            Assert.Equal(Items, ids.Distinct().Count());
        }
    }

    [Fact]
    public async Task Run_SyncHandOffToDurable_FollowsTheInstanceToItsAnswer()
    {
        // No in-request waiting: a first call that fails hands the request to a durable instance (202).
        var settings = new Dictionary<string, string?> { ["LlmFunctions:Http:SyncWaitSeconds"] = "0" };
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"faults\": [{ \"kind\": \"status\", \"status\": 503, \"rate\": 0.5 }]")), settings);
        using var http = app.Client();
        var options = Options(app, BatchMode.Sync);

        var result = await new BatchRunner(http, options).RunAsync(Prompts(8));

        var records = AssertEveryItemOnce(options.ResultsPath, 8);
        Assert.Contains(records, r => r.InstanceId is not null);
        Assert.All(records.Where(r => r.InstanceId is not null), r => Assert.True(r.IsSuccess ? r.Provider == "Groq" && r.Attempts >= 2 : r.ErrorClass is not null, r.ToJsonLine()));
        Assert.False(result.Stopped);
    }

    [Fact]
    public async Task Run_EveryProviderBrieflyRateLimited_GatewayAnswers503AndEveryItemSucceedsAfterRetries()
    {
        await using var app = await ChatApp.StartAsync(azurite, Fleet);
        using var http = app.Client();

        // Both providers just answered 429 with Retry-After 2 s, as a full rate window makes them: the gateway cools
        // them down and meanwhile answers 503 all_providers_cooling_down with Retry-After.
        var until = DateTimeOffset.UtcNow.AddSeconds(2);
        foreach (var provider in app.Catalog.Providers)
        {
            await app.Health.RecordAsync(
                new ProviderKey(provider.Name, provider.Models[0]),
                new AttemptOutcome { Class = ErrorClass.RateLimited, HttpStatus = 429, Reason = "HTTP 429 Too Many Requests", RetryAt = until });
        }

        var options = Options(app, BatchMode.Sync);
        var progress = new RecordingProgress();

        var result = await new BatchRunner(http, options, progress: progress).RunAsync(Prompts(12));

        Assert.False(result.Stopped);
        var records = AssertEveryItemOnce(options.ResultsPath, 12);
        Assert.All(records, r => Assert.True(r.IsSuccess, r.ToJsonLine()));
        Assert.Contains(records, r => r.Tries > 1);
        Assert.All(records.Where(r => r.Tries > 1), r => Assert.True(r.FinishedAt >= until, r.ToJsonLine()));
        Assert.True(progress.SawHeld, "no 503 with Retry-After held the run");

        // Nothing reached a provider while it cooled down, and every item took one provider call once it had.
        Assert.Equal(12, app.Simulator.Stats.For("Groq").Calls + app.Simulator.Stats.For("Cerebras").Calls);
        Assert.Equal(records.Sum(r => r.Tries - 1), BatchSummary.From(result.Records, 12).Retries);
    }

    [Fact]
    public async Task Run_DefaultOptions_OnlyProviderKeepsFillingItsRateWindow_EveryItemSucceeds()
    {
        // seed-003's Groq (30 requests a minute, then 429 with Retry-After) at the incident replay's time scale.
        await using var app = await ChatApp.StartAsync(azurite, """
            { "seed": 1, "timeScale": 0.01, "providers": [ { "name": "Groq", "api": "openai", "latencyMs": { "median": 300, "p95": 900 },
              "rateLimit": { "requestsPerWindow": 30, "windowSeconds": 60, "retryAfter": "seconds", "resetHeaders": true } } ] }
            """);
        using var http = app.Client();
        var options = new BatchRunnerOptions { Gateway = app.Factory.Server.BaseAddress, ResultsPath = Path.Combine(_directory, "results.jsonl"), RunId = "defaults" };

        var result = await new BatchRunner(http, options).RunAsync(Prompts(200));

        var records = AssertEveryItemOnce(options.ResultsPath, 200);
        Assert.All(records, r => Assert.True(r.IsSuccess, r.ToJsonLine()));
        Assert.False(result.Stopped);
        Assert.True(app.Simulator.Stats.For("Groq").Count(SimulatorOutcomes.RateLimited) > 0, "the rate window never filled");
    }

    [Fact]
    public async Task Run_ResultsWithTornLastLine_ResumesAndRecordsEveryItemOnce()
    {
        await using var app = await ChatApp.StartAsync(azurite, Fleet);
        using var http = app.Client();
        var options = Options(app, BatchMode.Sync);
        var earlier = string.Concat(Enumerable.Range(0, 5).Select(i => new ResultRecord { Index = i, Status = ResultRecord.Succeeded, Provider = "Groq", Model = "m", Attempts = 1 }.ToJsonLine() + "\n"));
        var torn = new ResultRecord { Index = 5, Status = ResultRecord.Succeeded }.ToJsonLine()[..30];
        await File.WriteAllTextAsync(options.ResultsPath, earlier + torn);
        var progress = new RecordingProgress();

        var result = await new BatchRunner(http, options, progress: progress).RunAsync(Prompts(12));

        Assert.True(result.TornLineRemoved);
        Assert.Equal((5, 7), (result.Skipped, result.Sent));
        var records = AssertEveryItemOnce(options.ResultsPath, 12);
        Assert.Equal(ResultRecord.Succeeded, records.Single(r => r.Index == 5).Status);
        Assert.Contains(progress.Notices, n => n.Contains("partial last line", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_FailingFleet_RecordsFailuresAndHalvesConcurrency()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 500")));
        using var http = app.Client();
        // Retries off: the open circuit's 503s would otherwise be waited out, and every answer is to be recorded as it comes.
        var options = Options(app, BatchMode.Sync) with { Retries = 0, Aimd = new AimdOptions { Initial = 4, Window = 10, MinSamples = 4, Pause = TimeSpan.FromMilliseconds(100) } };
        var progress = new RecordingProgress();

        var result = await new BatchRunner(http, options, progress: progress).RunAsync(Prompts(12));

        var records = AssertEveryItemOnce(options.ResultsPath, 12);
        Assert.All(records, r =>
        {
            Assert.Equal(ResultRecord.Failed, r.Status);
            Assert.True(r.HttpStatus >= 500, $"http_status {r.HttpStatus}");
            Assert.False(string.IsNullOrEmpty(r.ErrorClass));
            Assert.False(string.IsNullOrEmpty(r.Error));
        });
        Assert.Contains(result.Timeline, p => p.Concurrency < 4);
        Assert.Contains(progress.Notices, n => n.Contains("concurrency halved", StringComparison.Ordinal));
        Assert.Equal(0, BatchSummary.From(result.Records, 12).SuccessRate);
    }

    [Fact]
    public async Task Command_EndToEnd_WritesResultsSummaryAndChart_ThenResumesWithNothingToDo()
    {
        await using var app = await ChatApp.StartAsync(azurite, Fleet);
        var input = Path.Combine(_directory, "prompts.csv");
        await File.WriteAllTextAsync(input, "id,prompt\nq1,\"Hello, world\"\nq2,\nq3,\"Two\nlines\"\n");
        var output = Path.Combine(_directory, "out", "results.jsonl");
        var (options, error) = BatchCommandLine.Parse(["--input", input, "--out", output, "--gateway", app.Factory.Server.BaseAddress.ToString(), "--no-progress"]);
        Assert.Null(error);
        using var handler = app.Factory.Server.CreateHandler();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await BatchCommand.RunAsync(options!, stdout, stderr, handler);

        Assert.Equal(BatchCommand.SomeFailed, code); // line 3 has an empty prompt
        Assert.Contains("line 3, field 'prompt': must not be empty", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(["q1", "q3"], ResultsFile.ReadAll(output).OrderBy(r => r.Index).Select(r => r.Id));
        Assert.Contains("succeeded:    2 (100.0%)", stdout.ToString(), StringComparison.Ordinal);
        var chart = Path.Combine(_directory, "out", "results.chart.html");
        Assert.Contains("data-series=\"concurrency\"", await File.ReadAllTextAsync(chart), StringComparison.Ordinal);

        using var again = new StringWriter();
        Assert.Equal(BatchCommand.SomeFailed, await BatchCommand.RunAsync(options!, again, stderr, handler));
        Assert.Contains("resuming: 2 of 2", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(output).Length);
    }

    [Fact]
    public async Task Command_MissingInput_NamesTheFile()
    {
        var (options, _) = BatchCommandLine.Parse(["--input", Path.Combine(_directory, "nope.jsonl"), "--out", Path.Combine(_directory, "r.jsonl")]);
        using var stderr = new StringWriter();
        Assert.Equal(BatchCommand.Usage, await BatchCommand.RunAsync(options!, TextWriter.Null, stderr));
        Assert.Contains("nope.jsonl' does not exist", stderr.ToString(), StringComparison.Ordinal);
    }
}
