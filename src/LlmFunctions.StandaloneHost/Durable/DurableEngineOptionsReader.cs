using System.Globalization;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>Reads <see cref="DurableEngineOptions"/> from configuration; a value that does not parse is recorded, naming its setting.</summary>
internal static class DurableEngineOptionsReader
{
    public static void Read(IConfiguration configuration, DurableEngineOptions options)
    {
        if (configuration[DurableEngineOptions.HubNameKey] is { Length: > 0 } hubName)
        {
            options.HubName = hubName;
        }

        var connectionName = configuration[DurableEngineOptions.ConnectionNameKey];
        if (string.IsNullOrEmpty(connectionName))
        {
            connectionName = configuration[DurableEngineOptions.ConnectionStringNameKey];
        }

        if (!string.IsNullOrEmpty(connectionName))
        {
            options.ConnectionName = connectionName;
        }

        // func resolves a connection name as an app setting first, then as a ConnectionStrings entry.
        var connectionString = configuration[options.ConnectionName];
        options.ConnectionString = string.IsNullOrWhiteSpace(connectionString)
            ? configuration.GetConnectionString(options.ConnectionName)
            : connectionString;

        ReadInt(configuration, DurableEngineOptions.PartitionCountKey, options, v => options.PartitionCount = v);
        ReadTimeSpan(configuration, DurableEngineOptions.ControlQueueVisibilityTimeoutKey, options, v => options.ControlQueueVisibilityTimeout = v);
        ReadTimeSpan(configuration, DurableEngineOptions.WorkItemQueueVisibilityTimeoutKey, options, v => options.WorkItemQueueVisibilityTimeout = v);
        ReadTimeSpan(configuration, DurableEngineOptions.MaxQueuePollingIntervalKey, options, v => options.MaxQueuePollingInterval = v);
        ReadInt(configuration, DurableEngineOptions.MaxConcurrentActivityFunctionsKey, options, v => options.MaxConcurrentActivityFunctions = v);
        ReadInt(configuration, DurableEngineOptions.MaxConcurrentOrchestratorFunctionsKey, options, v => options.MaxConcurrentOrchestratorFunctions = v);

        if (configuration[DurableEngineOptions.ExtendedSessionsEnabledKey] is { Length: > 0 } extended)
        {
            if (!bool.TryParse(extended, out var enabled))
            {
                options.ReadErrors.Add($"{DurableEngineOptions.ExtendedSessionsEnabledKey} must be true or false; it is '{extended}'.");
            }
            else if (enabled)
            {
                // Each episode's function scope is disposed when the episode ends; an extended session would resume
                // the orchestrator function on a later episode, after its scope is gone.
                options.ReadErrors.Add($"{DurableEngineOptions.ExtendedSessionsEnabledKey} is true, which the standalone host does not support; set it to false or remove it.");
            }
        }

        if (configuration[DurableEngineOptions.WorkerIdKey] is { Length: > 0 } workerId)
        {
            options.WorkerId = workerId;
        }
    }

    private static void ReadInt(IConfiguration configuration, string key, DurableEngineOptions options, Action<int> set)
    {
        if (configuration[key] is not { Length: > 0 } value)
        {
            return;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            set(parsed);
        }
        else
        {
            options.ReadErrors.Add($"{key} must be a whole number; it is '{value}'.");
        }
    }

    private static void ReadTimeSpan(IConfiguration configuration, string key, DurableEngineOptions options, Action<TimeSpan> set)
    {
        if (configuration[key] is not { Length: > 0 } value)
        {
            return;
        }

        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed))
        {
            set(parsed);
        }
        else
        {
            options.ReadErrors.Add($"{key} must be a time span such as 00:05:00; it is '{value}'.");
        }
    }
}
