using System.Globalization;

namespace LlmFunctions.Bench;

/// <summary>Which failures the naive client retries on the same provider.</summary>
internal enum NaiveRetries
{
    /// <summary>As the seed's code does: wrapped errors are not retryable, so only Cloudflare's 5xx and transport errors are.</summary>
    Wrapped,

    /// <summary>Every failure, up to 10 times with the fixed delay.</summary>
    All,
}

/// <summary>The command line of <c>--replay</c>, validated.</summary>
internal sealed record ReplayOptions(int Prompts, double TimeScale, NaiveRetries Retries, TimeSpan TimeLimit, string? AppDll)
{
    public const string Usage = """
        usage: LlmFunctions.Bench --replay [--prompts 3686] [--time-scale 0.01] [--naive-retries wrapped|all]
                                           [--time-limit 900] [--app path/to/LlmFunctions.StandaloneHost.dll]
          --prompts        prompts per mode (1..100000); the seed's incident had 3686
          --time-scale     multiplies the scenario's durations and the naive client's 10 s retry delay (0.0001..1)
          --naive-retries  wrapped: retry only what the seed's classifier still sees as retryable (default);
                           all: retry every failure on the same provider, 10 times
          --time-limit     hard limit for the whole run in seconds (10..7200)
          --app            the built standalone host (default: src/LlmFunctions.StandaloneHost/bin/Release/net10.0)
        """;

    public static ReplayOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        int prompts = 3686, limit = 900;
        var scale = 0.01;
        var retries = NaiveRetries.Wrapped;
        string? app = null;
        if (OptionPairs.Split(args, out error) is not { } pairs)
        {
            return null;
        }

        foreach (var (name, value) in pairs)
        {
            switch (name)
            {
                case "--prompts" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out prompts) && prompts is >= 1 and <= 100_000:
                case "--time-limit" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 10 and <= 7200:
                case "--time-scale" when double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out scale) && scale is >= 0.0001 and <= 1:
                case "--naive-retries" when Enum.TryParse(value, ignoreCase: true, out retries) && Enum.IsDefined(retries) && !char.IsDigit(value[0]):
                    break;
                case "--app" when OptionPairs.TryApp(value, out app, out error):
                    break;
                case "--app":
                    return null;
                case "--prompts":
                    error = $"--prompts must be a whole number from 1 to 100000, was '{value}'";
                    return null;
                case "--time-limit":
                    error = $"--time-limit must be a whole number of seconds from 10 to 7200, was '{value}'";
                    return null;
                case "--time-scale":
                    error = $"--time-scale must be a number from 0.0001 to 1, was '{value}'";
                    return null;
                case "--naive-retries":
                    error = $"--naive-retries must be 'wrapped' or 'all', was '{value}'";
                    return null;
                default:
                    error = $"unknown option '{name}'";
                    return null;
            }
        }

        return new ReplayOptions(prompts, scale, retries, TimeSpan.FromSeconds(limit), app);
    }
}
