using System.Runtime.InteropServices;

namespace LlmFunctions.Cli;

/// <summary>The entry point of <c>llmfunctions</c>. A named class rather than top-level statements, so that the test
/// project can reference it next to the function app's and the simulator's <c>Program</c>.</summary>
public static class CliMain
{
    private const string Usage = """
        Usage: llmfunctions <command> [options]

        Commands:
          batch    send a JSONL or CSV file of prompts through the gateway (llmfunctions batch --help)
        """;

    /// <summary>Runs the command line; returns the exit code.</summary>
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            await Console.Out.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? BatchCommand.Usage : BatchCommand.Ok;
        }

        if (args[0] != "batch")
        {
            await Console.Error.WriteLineAsync($"error: unknown command '{args[0]}'\n\n{Usage}").ConfigureAwait(false);
            return BatchCommand.Usage;
        }

        var (options, error) = BatchCommandLine.Parse(args[1..]);
        if (options is null)
        {
            await (error is null ? Console.Out : Console.Error).WriteLineAsync(error is null ? BatchCommandLine.Usage : $"error: {error}").ConfigureAwait(false);
            return error is null ? BatchCommand.Ok : BatchCommand.Usage;
        }

        using var stop = new CancellationTokenSource();
        using var abort = new CancellationTokenSource();

        // First Ctrl+C (or SIGTERM): finish what is in flight; second: abandon it. Either way no line is half-written.
        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            if (stop.IsCancellationRequested)
            {
                abort.Cancel();
            }
            else
            {
                stop.Cancel();
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        return await BatchCommand.RunAsync(options, Console.Out, Console.Error, null, !Console.IsErrorRedirected, stop.Token, abort.Token).ConfigureAwait(false);
    }
}
