namespace LlmFunctions.Cli;

/// <summary>The entry point.</summary>
public static class CliMain
{
    /// <summary>Runs the command line.</summary>
    public static Task<int> Main(string[] args) => Task.FromResult(0);
}
