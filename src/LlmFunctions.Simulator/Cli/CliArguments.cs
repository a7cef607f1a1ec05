using System.Globalization;

namespace LlmFunctions.Simulator;

/// <summary>The command line: <c>--scenario FILE [--port N] [--seed N]</c>.</summary>
internal sealed record CliArguments(string ScenarioPath, int Port, int? Seed)
{
    public const string Usage = "usage: LlmFunctions.Simulator --scenario FILE [--port N (default 7100, 0 = any free)] [--seed N]";

    /// <summary>Parses arguments; <paramref name="error"/> names the bad option when it returns null.</summary>
    public static CliArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? scenario = null;
        var port = 7100;
        int? seed = null;
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            if (option is not ("--scenario" or "--port" or "--seed"))
            {
                error = $"unknown option '{option}'";
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{option}: missing value";
                return null;
            }

            var value = args[++i];
            switch (option)
            {
                case "--scenario":
                    scenario = value;
                    break;
                case "--port":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
                    {
                        error = $"--port: must be a number between 0 and 65535, was '{value}'";
                        return null;
                    }

                    break;
                default:
                    if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsedSeed))
                    {
                        error = $"--seed: must be an integer, was '{value}'";
                        return null;
                    }

                    seed = parsedSeed;
                    break;
            }
        }

        if (scenario is null)
        {
            error = "--scenario: required";
            return null;
        }

        if (!File.Exists(scenario))
        {
            error = $"--scenario: file not found: {scenario}";
            return null;
        }

        error = null;
        return new CliArguments(scenario, port, seed);
    }
}
