using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.FunctionApp;

/// <summary>The settings every standalone host a test starts needs: its storage, the simulator as every provider, a
/// health table and task hub of its own, the timer's schedule (an app setting under func), a worker id, and only the
/// scenario's providers enabled.</summary>
internal static class TestHostSettings
{
    /// <summary>host.json's extensions.durableTask.hubName, as the configuration holds it.</summary>
    public const string TaskHub = "AzureFunctionsJobHost:extensions:durableTask:hubName";

    /// <summary>The standalone host's worker id (a restarted host with the same id takes its partitions back at once).</summary>
    public const string WorkerId = "LlmFunctions:Host:WorkerId";

    public static Dictionary<string, string?> For(string storageConnection, SimulatorServer simulator, string workerId, TimeSpan queuePolling)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storageConnection,
            [ProviderCatalog.SimulatorBaseUrlSetting] = simulator.BaseAddress.ToString(),
            [HealthOptions.SectionName + ":TableName"] = AzuriteFixture.UniqueTableName(),
            [TaskHub] = AzuriteFixture.UniqueTableName(),
            [global::LlmFunctions.Alerts.AlertOptions.SectionName + ":TableName"] = AzuriteFixture.UniqueTableName(),
            [global::LlmFunctions.Caching.ResponseCacheOptions.SectionName + ":Container"] = AzuriteFixture.UniqueTableName().ToLowerInvariant(),
            ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:maxQueuePollingInterval"] = queuePolling.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            // Never due in a test: a test that needs the sweep calls it.
            ["ResetExpiredCooldownsSchedule"] = "0 0 0 1 1 *",
            ["PruneResponseCacheSchedule"] = "0 0 0 1 1 *",
            [WorkerId] = workerId,
        };
        var inScenario = simulator.Scenario.Providers.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var builtIn in BuiltInProviders.All.Where(b => !inScenario.Contains(b.Name)))
        {
            settings[$"{ProviderCatalog.SectionName}:{builtIn.Name}:Enabled"] = "false";
        }

        return settings;
    }
}
