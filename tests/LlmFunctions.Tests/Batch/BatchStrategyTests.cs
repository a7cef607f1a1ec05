using System.Globalization;
using System.Text.RegularExpressions;
using LlmFunctions.Cli;
using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Tests.Batch;

/// <summary>What a batch run shows of the gateway's routes: the route sent, the step that served each item in the
/// results and the summary, and a chart of the whole run that counts every failed item. Against a scripted gateway on
/// 127.0.0.1; the real gateway's routes are in <see cref="BatchRouteTests"/>.</summary>
public sealed partial class BatchStrategyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("batch-strategy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Prompt(int i) => string.Create(CultureInfo.InvariantCulture, $"prompt {i}");

    private static int IndexOf(string prompt) => int.Parse(prompt["prompt ".Length..], CultureInfo.InvariantCulture);

    private static List<BatchItem> Prompts(int count) =>
        InputReader.Read(string.Join('\n', Enumerable.Range(0, count).Select(i => $$"""{"prompt": "{{Prompt(i)}}"}""")), InputFormat.Jsonl).Items.ToList();

    private string WriteInput(int count)
    {
        var path = Path.Combine(_directory, "prompts.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i => $$"""{"prompt": "{{Prompt(i)}}"}"""));
        return path;
    }

    private BatchRunnerOptions Options(Uri gateway, string? route = null) => new()
    {
        Gateway = gateway,
        ResultsPath = Path.Combine(_directory, "results.jsonl"),
        RunId = "strategy",
        Route = route,
        Retries = 0,
        Aimd = new AimdOptions { Initial = 4, Max = 4, Pause = TimeSpan.Zero },
    };

    // One item per step the gateway can name, one from a gateway that names none, and one the gateway refuses.
    private static ScriptedAnswer EveryStrategy(string prompt, int n) => IndexOf(prompt) switch
    {
        0 => new ScriptedAnswer(200, Strategy: "provider"),
        1 => new ScriptedAnswer(200, Strategy: "tier", Tier: "STANDARD"),
        2 => new ScriptedAnswer(200, Strategy: "simplified", Tier: "PREMIUM"),
        3 => new ScriptedAnswer(200, Strategy: "cache", Stale: true),
        4 => new ScriptedAnswer(200, Strategy: "cache", Stale: false),
        5 => new ScriptedAnswer(200, Strategy: "degraded"),
        6 => new ScriptedAnswer(200, Strategy: "preset"),
        7 => new ScriptedAnswer(200),
        _ => new ScriptedAnswer(413),
    };

    [Fact]
    public async Task Run_WithRoute_SendsTheRouteHeaderOnEveryItem_AndRecordsEachItemsStrategyTierRouteAndStaleness()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = EveryStrategy;
        using var http = new HttpClient();
        var options = Options(gateway.BaseAddress, route: "recipes");

        var result = await new BatchRunner(http, options).RunAsync(Prompts(9));

        Assert.Equal(Enumerable.Repeat<string?>("recipes", 9), gateway.RouteHeaders);
        var records = ResultsFile.ReadAll(options.ResultsPath).OrderBy(r => r.Index).ToList();
        Assert.Equal(
            ["provider", "tier", "simplified", "cache", "cache", "degraded", "preset", "provider", null],
            records.Select(r => r.Strategy));
        Assert.Equal([null, "STANDARD", "PREMIUM", null, null, null, null, null, null], records.Select(r => r.Tier));
        Assert.Equal([null, null, null, true, false, null, null, null, null], records.Select(r => r.CacheStale));
        Assert.Equal(["recipes", "recipes", "recipes", "recipes", "recipes", "recipes", "recipes", null, null], records.Select(r => r.Route));
        Assert.Equal((ResultRecord.Failed, 413, "payload_too_large"), (records[8].Status, records[8].HttpStatus, records[8].ErrorClass));

        // The fields are in the file itself, snake_case; absent ones are left out.
        var lines = File.ReadAllLines(options.ResultsPath).ToDictionary(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["index"]!.GetValue<int>());
        Assert.Contains("\"strategy\":\"cache\"", lines[3], StringComparison.Ordinal);
        Assert.Contains("\"cache_stale\":true", lines[3], StringComparison.Ordinal);
        Assert.Contains("\"tier\":\"STANDARD\"", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("\"tier\"", lines[0], StringComparison.Ordinal);
        Assert.Equal(9, result.Records.Count);
    }

    [Fact]
    public async Task Run_StrategyOnlyInTheResponseHeader_IsRecordedFromTheHeader()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = (_, _) => new ScriptedAnswer(200, Strategy: "preset") { StrategyInHeaderOnly = true };
        using var http = new HttpClient();

        var result = await new BatchRunner(http, Options(gateway.BaseAddress)).RunAsync(Prompts(1));

        Assert.Equal("preset", result.Records.Single().Strategy);
    }

    [Fact]
    public async Task Run_WithoutRoute_SendsNoRouteHeader()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        using var http = new HttpClient();

        await new BatchRunner(http, Options(gateway.BaseAddress)).RunAsync(Prompts(2));

        Assert.Equal([null, null], gateway.RouteHeaders);
    }

    [Fact]
    public void Summary_CountsAnsweredItemsByStrategy_MissingStrategyAsProvider_AndSaysSoInItsText()
    {
        ResultRecord Answered(string? strategy, string? provider = "Groq", bool? stale = null) =>
            new() { Status = ResultRecord.Succeeded, Strategy = strategy, Provider = provider, CacheStale = stale };
        ResultRecord[] records =
        [
            Answered("provider"), Answered("provider"), Answered(null), Answered("tier", "Cerebras"), Answered("simplified"),
            Answered("cache", null, stale: true), Answered("cache", null, stale: false), Answered("degraded", null), Answered("preset", null),
            new() { Status = ResultRecord.Failed, HttpStatus = 413, ErrorClass = "payload_too_large" },
        ];

        var summary = BatchSummary.From(records, 10);

        Assert.Equal(
            [KeyValuePair.Create("provider", 3), KeyValuePair.Create("cache", 2), KeyValuePair.Create("degraded", 1), KeyValuePair.Create("preset", 1), KeyValuePair.Create("simplified", 1), KeyValuePair.Create("tier", 1)],
            summary.ByStrategy);
        Assert.Equal(1, summary.StaleFromCache);
        Assert.Equal([KeyValuePair.Create("Groq", 4), KeyValuePair.Create("Cerebras", 1)], summary.ByProvider);
        Assert.Contains("answered by:  provider 3, cache 2 (1 stale), degraded 1, preset 1, simplified 1, tier 1", summary.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_WithRoute_PrintsTheCountsByStrategy_AndTheChartCountsEveryFailedItem413sIncluded()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = (prompt, n) => IndexOf(prompt) switch
        {
            < 3 => new ScriptedAnswer(200, Strategy: "tier", Tier: "BUDGET"),
            3 or 4 => new ScriptedAnswer(413),
            5 => new ScriptedAnswer(400),
            6 => new ScriptedAnswer(502),
            _ => new ScriptedAnswer(503, "0"),
        };
        var output = Path.Combine(_directory, "results.jsonl");
        var (options, error) = BatchCommandLine.Parse(
            ["--input", WriteInput(8), "--out", output, "--gateway", gateway.BaseAddress.ToString(), "--route", "batch.v2_x-1", "--retries", "0", "--no-progress", "--initial", "1", "--max", "1"]);
        Assert.Null(error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        Assert.Equal(BatchCommand.SomeFailed, await BatchCommand.RunAsync(options!, stdout, stderr));

        Assert.Equal(Enumerable.Repeat<string?>("batch.v2_x-1", 8), gateway.RouteHeaders);
        Assert.Contains("answered by:  tier 3", stdout.ToString(), StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(Path.ChangeExtension(output, null) + ".chart.html");
        Assert.Equal(["413", "413", "400", "502", "503"], FailedMarks().Matches(html).Select(m => m.Groups["status"].Value));
        Assert.Contains("8 items recorded: 3 answered, <span style=\"color: #c0392b\">5 failed</span> (by final HTTP status: 413 ×2, 400 ×1, 502 ×1, 503 ×1)", html, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(ChartWriter.FailedMeaning), html, StringComparison.Ordinal);
        Assert.Contains("batch.v2_x-1", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_ResumedRun_ChartCoversTheEarlierRunsItemsAndThisRunsItems()
    {
        await using var gateway = await ScriptedGateway.StartAsync();
        gateway.Script = (prompt, n) => IndexOf(prompt) is 1 or 4 ? new ScriptedAnswer(413) : new ScriptedAnswer(200);
        var output = Path.Combine(_directory, "results.jsonl");
        using (var http = new HttpClient())
        {
            // The earlier run got through items 0 to 2 (item 1 failed) before it ended.
            await new BatchRunner(http, Options(gateway.BaseAddress) with { ResultsPath = output }).RunAsync(Prompts(3));
        }

        var (options, _) = BatchCommandLine.Parse(["--input", WriteInput(6), "--out", output, "--gateway", gateway.BaseAddress.ToString(), "--retries", "0", "--no-progress"]);
        using var stderr = new StringWriter();

        await BatchCommand.RunAsync(options!, TextWriter.Null, stderr);

        Assert.Contains("resuming: 3 of 6", stderr.ToString(), StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(Path.ChangeExtension(output, null) + ".chart.html");
        Assert.Equal(["1", "4"], FailedMarks().Matches(html).Select(m => m.Groups["index"].Value));
        Assert.Contains("6 items recorded: 4 answered,", html, StringComparison.Ordinal);
        Assert.Contains("3 items recorded by earlier runs (read back from the results file) and 3 by this one", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Chart_TimeWithNothingInFlight_IsCutOut_AndEveryFailedItemIsMarked()
    {
        var start = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        ResultRecord Item(int index, double from, double to, int? status) => new()
        {
            Index = index,
            Status = status == 200 ? ResultRecord.Succeeded : ResultRecord.Failed,
            HttpStatus = status,
            StartedAt = start.AddSeconds(from),
            FinishedAt = start.AddSeconds(to),
        };

        // Two runs an hour apart, 2 s of work each: the axis spans 4 s with one cut, not an hour.
        ResultRecord[] records = [Item(0, 0, 1, 200), Item(1, 1, 2, 413), Item(2, 3600, 3601, null), Item(3, 3601, 3602, 200)];
        var html = ChartWriter.Html(new ChartData(records, start.AddSeconds(3600), [new(TimeSpan.Zero, 2, 0, 0), new(TimeSpan.FromSeconds(2), 3, 0, 0)], 8, 50), "two runs");

        Assert.Contains(">4 s</text>", html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "class=\"cut\""));
        Assert.Equal(["413", "no answer"], FailedMarks().Matches(html).Select(m => m.Groups["status"].Value));
        Assert.Contains("(by final HTTP status: 413 ×1, no answer ×1)", html, StringComparison.Ordinal);
        Assert.Contains("2 items recorded by earlier runs", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("class=\"failed-item\" data-index=\"(?<index>\\d+)\" data-status=\"(?<status>[^\"]+)\"")]
    private static partial Regex FailedMarks();
}
