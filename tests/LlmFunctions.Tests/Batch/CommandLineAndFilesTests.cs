using System.Text;
using LlmFunctions.Cli;
using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Tests.Batch;

public sealed class CommandLineAndFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("batch-files-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Parse_AllOptions()
    {
        var (options, error) = BatchCommandLine.Parse(
            ["--input", "p.csv", "--out=r.jsonl", "--gateway", "http://h:1", "--mode", "durable", "--window", "20", "--min-samples", "5", "--min", "2",
             "--max", "6", "--initial", "3", "--pause", "0.5", "--decrease-above", "0.6", "--increase-below", "0.1", "--poll-interval", "0.2",
             "--grace", "3", "--timeout", "9", "--model", "fast", "--max-tokens", "100", "--temperature", "0.3", "--allow-truncation", "--deadline", "60",
             "--run-id", "r1", "--no-progress", "--chart", "c.html", "--format", "csv", "--retries", "3", "--max-retry-delay", "7.5", "--route", "recipes"]);
        Assert.Null(error);
        var o = options!;
        Assert.Equal(("p.csv", "r.jsonl", "c.html", InputFormat.Csv, false), (o.Input, o.Out, o.Chart, o.Format, o.Progress));
        Assert.Equal(new Uri("http://h:1/"), o.Runner.Gateway);
        Assert.Equal((BatchMode.Durable, "r1", "r.jsonl"), (o.Runner.Mode, o.Runner.RunId, o.Runner.ResultsPath));
        Assert.Equal(new AimdOptions { Window = 20, MinSamples = 5, Min = 2, Max = 6, Initial = 3, Pause = TimeSpan.FromSeconds(0.5), DecreaseAbove = 0.6, IncreaseBelow = 0.1 }, o.Runner.Aimd);
        Assert.Equal((TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(9)), (o.Runner.PollInterval, o.Runner.StopGrace, o.RequestTimeout));
        Assert.Equal(("fast", 100, 0.3, true, 60), (o.Runner.Model, o.Runner.MaxTokens!.Value, o.Runner.Temperature!.Value, o.Runner.AllowTruncation!.Value, o.Runner.DeadlineSeconds!.Value));
        Assert.Equal((3, TimeSpan.FromSeconds(7.5)), (o.Runner.Retries, o.Runner.MaxRetryDelay));
        Assert.Equal("recipes", o.Runner.Route);
    }

    [Fact]
    public void Parse_Defaults_RunIdStableForTheResultsFile()
    {
        var (options, error) = BatchCommandLine.Parse(["--input", "p.jsonl"]);
        Assert.Null(error);
        Assert.Equal(("results.jsonl", "results.chart.html", BatchMode.Sync, new AimdOptions()), (options!.Out, options.Chart, options.Runner.Mode, options.Runner.Aimd));
        Assert.Equal(new Uri("http://127.0.0.1:7071/"), options.Runner.Gateway);
        Assert.Equal((8, TimeSpan.FromSeconds(60)), (options.Runner.Retries, options.Runner.MaxRetryDelay));
        Assert.Null(options.Runner.Route);
        Assert.Equal(options.Runner.RunId, BatchCommandLine.Parse(["--input", "other.jsonl"]).Options!.Runner.RunId);
        Assert.NotEqual(options.Runner.RunId, BatchCommandLine.Parse(["--input", "p.jsonl", "--out", "elsewhere.jsonl"]).Options!.Runner.RunId);
        Assert.Equal((null, null), BatchCommandLine.Parse(["--help"]));
    }

    [Theory]
    [InlineData("option --input is required", "--out", "r.jsonl")]
    [InlineData("--window must be a whole number, was 'many'", "--input", "p", "--window", "many")]
    [InlineData("--mode must be sync or durable, was 'fast'", "--input", "p", "--mode", "fast")]
    [InlineData("unknown option '--windw'", "--input", "p", "--windw", "5")]
    [InlineData("option --max needs a value", "--input", "p", "--max")]
    [InlineData("option --input is given twice", "--input", "p", "--input", "q")]
    [InlineData("--max must be at least --min (3), was 2", "--input", "p", "--min", "3", "--max", "2")]
    [InlineData("--gateway must be an http or https URL, was 'ftp://x'", "--input", "p", "--gateway", "ftp://x")]
    [InlineData("--pause must be from 0 to 86400 seconds, was -1", "--input", "p", "--pause", "-1")]
    [InlineData("--format must be jsonl or csv, was 'xml'", "--input", "p", "--format", "xml")]
    [InlineData("unexpected argument 'stray'", "--input", "p", "stray")]
    [InlineData("--retries must be from 0 to 100, was 101", "--input", "p", "--retries", "101")]
    [InlineData("--retries must be from 0 to 100, was -1", "--input", "p", "--retries", "-1")]
    [InlineData("--retries must be a whole number, was 'a few'", "--input", "p", "--retries", "a few")]
    [InlineData("--max-retry-delay must be above 0 seconds, was 0", "--input", "p", "--max-retry-delay", "0")]
    [InlineData("--max-retry-delay must be from 0 to 86400 seconds, was -5", "--input", "p", "--max-retry-delay", "-5")]
    public void Parse_BadArguments_NameTheOption(string expected, params string[] args)
    {
        var (options, error) = BatchCommandLine.Parse(args);
        Assert.Null(options);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--route=")]
    [InlineData("--route=a b")]
    [InlineData("--route=route:recipes")]
    [InlineData("--route=café")]
    [InlineData("--route=a/b")]
    public void Parse_RouteNotARouteName_RefusedNamingRouteAndTheRule(string arg)
    {
        var (options, error) = BatchCommandLine.Parse(["--input", "p", arg]);
        Assert.Null(options);
        Assert.Equal($"--route must be 1 to 64 letters, digits, '-', '_' or '.', was '{arg["--route=".Length..]}'", error);
    }

    [Fact]
    public void Parse_Route_64CharactersAccepted_65RefusedWithTheValueShortened()
    {
        var longest = new string('r', 64);
        Assert.Equal(longest, BatchCommandLine.Parse(["--input", "p", "--route", longest]).Options!.Runner.Route);
        var (options, error) = BatchCommandLine.Parse(["--input", "p", "--route", longest + "r"]);
        Assert.Null(options);
        Assert.Equal($"--route must be 1 to 64 letters, digits, '-', '_' or '.', was '{longest}…'", error);
    }

    [Theory]
    [InlineData(101, 60, "--retries must be from 0 to 100, was 101")]
    [InlineData(-1, 60, "--retries must be from 0 to 100, was -1")]
    [InlineData(8, 0, "--max-retry-delay must be above 0 seconds, was 0")]
    public void Runner_RetrySettingsOutOfRange_RefusedNamingTheSetting(int retries, double maxDelaySeconds, string expected)
    {
        var options = new BatchRunnerOptions { ResultsPath = "r.jsonl", RunId = "r", Retries = retries, MaxRetryDelay = TimeSpan.FromSeconds(maxDelaySeconds) };
        Assert.Equal(expected, options.Validate());
        using var http = new HttpClient();
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => new BatchRunner(http, options)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runner_RetrySettingsAtTheirLimits_AreAccepted()
    {
        Assert.Null(new BatchRunnerOptions { ResultsPath = "r.jsonl", RunId = "r", Retries = 0, MaxRetryDelay = TimeSpan.FromMilliseconds(1) }.Validate());
        Assert.Null(new BatchRunnerOptions { ResultsPath = "r.jsonl", RunId = "r", Retries = 100 }.Validate());
    }

    [Fact]
    public void ResultsFile_TornLastLine_IsCutOffAndItsItemNotCounted()
    {
        var path = Path.Combine(_directory, "results.jsonl");
        var whole = string.Join("", Enumerable.Range(0, 3).Select(i => new ResultRecord { Index = i, Status = ResultRecord.Succeeded }.ToJsonLine() + "\n"));
        var torn = new ResultRecord { Index = 3, Status = ResultRecord.Succeeded }.ToJsonLine()[..20];
        File.WriteAllText(path, whole + torn);

        var (file, existing) = ResultsFile.Open(path);
        using (file)
        {
            Assert.True(existing.TornLineRemoved);
            Assert.Equal([0, 1, 2], existing.Records.Select(r => r.Index));
            file.Append(new ResultRecord { Index = 3, Status = ResultRecord.Failed, Error = "x" });
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal([0, 1, 2, 3], ResultsFile.ReadAll(path).Select(r => r.Index));
        Assert.EndsWith("\n", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void ResultsFile_MalformedCompleteLine_IsAnErrorNamingTheLine()
    {
        var path = Path.Combine(_directory, "bad.jsonl");
        File.WriteAllText(path, new ResultRecord { Index = 0 }.ToJsonLine() + "\n{oops\n");
        var e = Assert.Throws<ResultsFileException>(() => ResultsFile.Open(path));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResultRecord_LineHasTheSnakeCaseFields()
    {
        var line = new ResultRecord { Index = 4, Status = ResultRecord.Succeeded, HttpStatus = 200, Provider = "Groq", Model = "m", DurationMs = 12, Attempts = 2, Tries = 3, FallbackUsed = true, PromptChars = 9, Truncated = false }.ToJsonLine();
        foreach (var field in new[] { "\"tries\":3", "\"index\":4", "\"status\":\"succeeded\"", "\"http_status\":200", "\"provider\":\"Groq\"", "\"model\":\"m\"", "\"duration_ms\":12", "\"attempts\":2", "\"fallback_used\":true", "\"prompt_chars\":9", "\"truncated\":false", "\"error\":null", "\"started_at\":", "\"finished_at\":" })
        {
            Assert.Contains(field, line, StringComparison.Ordinal);
        }

        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void ResultsFile_LineWrittenBeforeRetriesExisted_LoadsAsOneTry()
    {
        var path = Path.Combine(_directory, "old.jsonl");
        File.WriteAllText(path, """{"index":0,"id":null,"line":1,"status":"succeeded","http_status":200,"provider":"Groq","model":"m","duration_ms":5,"attempts":1}""" + "\n");
        var record = Assert.Single(ResultsFile.ReadAll(path));
        Assert.Equal((0, 1, true), (record.Index, record.Tries, record.IsSuccess));
    }

    [Fact]
    public void Summary_FromKnownResults()
    {
        var records = Enumerable.Range(1, 100).Select(i => new ResultRecord
        {
            Index = i,
            Status = i <= 90 ? ResultRecord.Succeeded : ResultRecord.Failed,
            Provider = i <= 90 ? (i % 3 == 0 ? "Cerebras" : "Groq") : null,
            DurationMs = i,
            FallbackUsed = i <= 10,
            ErrorClass = i > 90 ? (i % 2 == 0 ? "all_providers_failed" : "transport") : null,
            Tries = i % 25 == 0 ? 3 : 1,
        }).ToList();

        var summary = BatchSummary.From(records, items: 120, inputErrors: 2);
        Assert.Equal((120, 100, 90, 10, 2, 10), (summary.Items, summary.Recorded, summary.Succeeded, summary.Failed, summary.InputErrors, summary.FallbackUsed));
        Assert.Equal((4, 8), (summary.Retried, summary.Retries));
        Assert.Equal(0.9, summary.SuccessRate, 6);
        // Nearest rank over the 90 answered durations 1..90.
        Assert.Equal(45, summary.Latency["p50"]);
        Assert.Equal(81, summary.Latency["p90"]);
        Assert.Equal(86, summary.Latency["p95"]);
        Assert.Equal(90, summary.Latency["p99"]);
        Assert.Equal(90, summary.Latency["max"]);
        Assert.Equal([KeyValuePair.Create("Groq", 60), KeyValuePair.Create("Cerebras", 30)], summary.ByProvider);
        Assert.Equal([KeyValuePair.Create("all_providers_failed", 5), KeyValuePair.Create("transport", 5)], summary.ErrorClasses);
        var text = summary.ToText();
        Assert.Contains("90.0%", text, StringComparison.Ordinal);
        Assert.Contains("p50 45", text, StringComparison.Ordinal);
        Assert.Contains("Groq 60, Cerebras 30", text, StringComparison.Ordinal);
        Assert.Contains("retried:      4 items needed retries, 8 retries in all", text, StringComparison.Ordinal);
        Assert.DoesNotContain("retried:", BatchSummary.From([new ResultRecord { Status = ResultRecord.Succeeded }], 1).ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_FailedCallTime_SumsPerProviderAndPerItem()
    {
        var records = new[]
        {
            new ResultRecord { Status = ResultRecord.Succeeded, FailedCallMs = new Dictionary<string, long> { ["Groq"] = 30_000, ["Mistral"] = 500 } },
            new ResultRecord { Status = ResultRecord.Succeeded, FailedCallMs = new Dictionary<string, long> { ["Groq"] = 4_500 } },
            new ResultRecord { Status = ResultRecord.Succeeded },
        };

        var summary = BatchSummary.From(records, items: 3);

        Assert.Equal([KeyValuePair.Create("Groq", 34_500L), KeyValuePair.Create("Mistral", 500L)], summary.FailedCallMs);
        Assert.Contains("failed calls: 35.0 s (11.67 s per item): Groq 34.5 s, Mistral 0.5 s", summary.ToText(), StringComparison.Ordinal);
        Assert.DoesNotContain("failed calls:", BatchSummary.From([records[2]], 1).ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressLine_ShowsItemsWaitingToRetryAndTheGatewaysHold()
    {
        var progress = new BatchProgress(10, 0, 4, 1, 2, 3, 4, 0.25, Paused: false, Held: true, Stopping: false, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(7));
        Assert.Equal("done 5/10  failed 1  in flight 2  waiting to retry 3  concurrency 4  error rate 25%  ETA 0:07  [held: gateway said retry after]", ConsoleProgress.Format(progress));
        Assert.DoesNotContain("waiting", ConsoleProgress.Format(progress with { Waiting = 0, Held = false }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 5 }, 50, 5)]
    [InlineData(new long[] { 1, 2, 3, 4 }, 50, 2)]
    [InlineData(new long[] { 1, 2, 3, 4 }, 99, 4)]
    [InlineData(new long[] { }, 50, 0)]
    public void Percentile_NearestRank(long[] sorted, int p, long expected) =>
        Assert.Equal(expected, BatchSummary.Percentile(sorted, p));

    [Fact]
    public void Chart_IsSelfContainedHtmlWithEverySeries()
    {
        var path = Path.Combine(_directory, "chart.html");
        var start = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        TimelinePoint[] timeline =
        [
            new(TimeSpan.Zero, 2, 0, 0), new(TimeSpan.FromSeconds(1), 3, 0.1, 3), new(TimeSpan.FromSeconds(2), 1, 0.8, 1), new(TimeSpan.FromSeconds(4), 2, 0.1, 2),
        ];
        ResultRecord[] records =
        [
            new() { Index = 0, Status = ResultRecord.Succeeded, StartedAt = start, FinishedAt = start.AddSeconds(1) },
            new() { Index = 1, HttpStatus = 413, StartedAt = start, FinishedAt = start.AddSeconds(3) },
        ];
        ChartWriter.Write(path, new ChartData(records, start, timeline, 8, 50), "run <1>");
        var html = File.ReadAllText(path, Encoding.UTF8);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("run &lt;1&gt;", html, StringComparison.Ordinal);
        Assert.Contains("data-series=\"failed share\"", html, StringComparison.Ordinal);
        Assert.Contains("data-series=\"in flight\"", html, StringComparison.Ordinal);
        Assert.Contains("data-series=\"concurrency\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".tmp"));
    }
}
