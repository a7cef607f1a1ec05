using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Cli;

/// <summary>The <c>batch</c> command: reads the input, runs the <see cref="BatchRunner"/>, prints the summary and writes
/// the chart.</summary>
internal static class BatchCommand
{
    public const int Ok = 0;
    public const int SomeFailed = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;

    /// <summary>The environment variable holding the gateway's function key, sent as <c>x-functions-key</c>.</summary>
    public const string KeyVariable = "LLMFUNCTIONS_KEY";

    public static async Task<int> RunAsync(
        BatchCommandOptions options, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null,
        bool interactive = false, CancellationToken stop = default, CancellationToken abort = default)
    {
        InputFile input;
        try
        {
            input = InputReader.ReadFile(options.Input, options.Format);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: --input: {e.Message}").ConfigureAwait(false);
            return Usage;
        }

        foreach (var error in input.Errors)
        {
            await stderr.WriteLineAsync($"{options.Input}: {error}").ConfigureAwait(false);
        }

        if (input.Items.Count == 0)
        {
            await stderr.WriteLineAsync($"error: {options.Input} has no prompt that can be sent").ConfigureAwait(false);
            return Usage;
        }

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = options.RequestTimeout;
        if (Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } key)
        {
            // An environment variable, not an option: a command line is visible to every user of the machine.
            http.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        var progress = new ConsoleProgress(stderr, interactive, TimeProvider.System, options.Progress);
        var runner = new BatchRunner(http, options.Runner, TimeProvider.System, progress);
        await stderr.WriteLineAsync($"batch: {input.Items.Count} items from {options.Input} -> {options.Out} via {options.Runner.Gateway} ({options.Runner.Mode.ToString().ToLowerInvariant()}{(options.Runner.Route is { } r ? ", route " + r : "")}, run id {options.Runner.RunId})").ConfigureAwait(false);
        BatchRunResult result;
        try
        {
            result = await runner.RunAsync(input.Items, stop, abort).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ResultsFileException or IOException or UnauthorizedAccessException)
        {
            progress.Finish();
            await stderr.WriteLineAsync($"error: --out: {e.Message}").ConfigureAwait(false);
            return Usage;
        }

        progress.Finish();
        var indices = input.Items.Select(i => i.Index).ToHashSet();
        List<ResultRecord> records = [.. result.Records.Where(r => indices.Contains(r.Index))];
        var summary = BatchSummary.From(records, input.Items.Count, input.Errors.Count);
        await stdout.WriteAsync(summary.ToText()).ConfigureAwait(false);
        try
        {
            var chart = new ChartData(records, result.StartedAt, result.Timeline, options.Runner.Aimd.Max, options.Runner.Aimd.Window);
            ChartWriter.Write(options.Chart, chart, $"llmfunctions batch: {Path.GetFileName(options.Input)} ({options.Runner.Mode.ToString().ToLowerInvariant()}{(options.Runner.Route is { } route ? ", route " + route : "")})");
            await stdout.WriteLineAsync($"chart:        {options.Chart}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"warning: --chart: {e.Message}").ConfigureAwait(false);
        }

        if (result.Stopped)
        {
            await stderr.WriteLineAsync($"stopped: {summary.Recorded} of {summary.Items} items recorded{(result.Abandoned > 0 ? $", {result.Abandoned} abandoned in flight" : "")}; rerun the same command to finish").ConfigureAwait(false);
            return Interrupted;
        }

        return summary.Failed > 0 || input.Errors.Count > 0 ? SomeFailed : Ok;
    }
}
