using System.Globalization;
using LlmFunctions.Providers;

namespace LlmFunctions.Bench;

/// <summary>What the in-process fleet benches (<see cref="FlapFleet"/>, <see cref="SpreadFleet"/>) share: the gateway's
/// settings with every duration scaled by the time scale, the fleet's providers enabled in order, the rest off.</summary>
internal static class ScaledFleet
{
    /// <summary>The settings both fleets start from: storage, the simulator, a fresh health table, scaled failover and
    /// health durations, and the providers in <paramref name="order"/> enabled with descending priority.</summary>
    public static Dictionary<string, string?> Settings(string storage, Uri simulator, string tablePrefix, IReadOnlyList<string> order, double timeScale)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = storage,
            [ProviderCatalog.SimulatorBaseUrlSetting] = simulator.ToString(),
            ["LlmFunctions:Health:TableName"] = tablePrefix + Guid.NewGuid().ToString("N")[..12],
            ["LlmFunctions:Health:MaxBreakDuration"] = Span(1800, timeScale),
            ["LlmFunctions:Health:ProbeLease"] = Span(120, timeScale),
            ["LlmFunctions:Failover:BaseDelay"] = Span(2, timeScale),
            ["LlmFunctions:Failover:MaxDelay"] = Span(30, timeScale),
            ["LlmFunctions:Failover:ShortRetryAfterThreshold"] = Span(5, timeScale),
            ["LlmFunctions:Failover:TotalDeadline"] = Span(120, timeScale),
        };
        foreach (var builtIn in BuiltInProviders.All)
        {
            var index = order.ToList().IndexOf(builtIn.Name);
            var path = $"{ProviderCatalog.SectionName}:{builtIn.Name}";
            settings[$"{path}:Enabled"] = index >= 0 ? "true" : "false";
            settings[$"{path}:Priority"] = ((index + 1) * 10).ToString(CultureInfo.InvariantCulture);
            settings[$"{path}:TimeoutSeconds"] = (30 * timeScale).ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>A scenario duration scaled to real time, as a setting value.</summary>
    public static string Span(double scenarioSeconds, double timeScale) =>
        TimeSpan.FromSeconds(scenarioSeconds * timeScale).ToString("c", CultureInfo.InvariantCulture);

    /// <summary>The nearest-rank percentile of sorted durations; zero when there are none.</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, int p) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count), 1, sorted.Count) - 1];
}
