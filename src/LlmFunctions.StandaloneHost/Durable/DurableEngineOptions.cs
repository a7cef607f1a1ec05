namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>
/// The durable engine's settings, read from the same keys the Functions host reads (host.json's
/// <c>extensions.durableTask</c>, flattened under <c>AzureFunctionsJobHost</c>), so there is one source of truth.
/// </summary>
public sealed class DurableEngineOptions
{
    /// <summary>The configuration section the Functions host reads Durable's settings from.</summary>
    public const string Section = "AzureFunctionsJobHost:extensions:durableTask";

    /// <summary>The setting holding the task hub name.</summary>
    public const string HubNameKey = Section + ":hubName";

    /// <summary>The setting naming the setting that holds the Storage connection string.</summary>
    public const string ConnectionNameKey = Section + ":storageProvider:connectionName";

    /// <summary>The older spelling of <see cref="ConnectionNameKey"/>, still accepted by Durable Functions.</summary>
    public const string ConnectionStringNameKey = Section + ":storageProvider:connectionStringName";

    /// <summary>The setting holding the number of control-queue partitions.</summary>
    public const string PartitionCountKey = Section + ":storageProvider:partitionCount";

    /// <summary>The setting holding the control queues' message visibility timeout.</summary>
    public const string ControlQueueVisibilityTimeoutKey = Section + ":storageProvider:controlQueueVisibilityTimeout";

    /// <summary>The setting holding the work-item (activity) queue's message visibility timeout.</summary>
    public const string WorkItemQueueVisibilityTimeoutKey = Section + ":storageProvider:workItemQueueVisibilityTimeout";

    /// <summary>The setting holding the longest wait between polls of an empty queue.</summary>
    public const string MaxQueuePollingIntervalKey = Section + ":storageProvider:maxQueuePollingInterval";

    /// <summary>The setting holding how many activities run at once on this host.</summary>
    public const string MaxConcurrentActivityFunctionsKey = Section + ":maxConcurrentActivityFunctions";

    /// <summary>The setting holding how many orchestrator episodes run at once on this host.</summary>
    public const string MaxConcurrentOrchestratorFunctionsKey = Section + ":maxConcurrentOrchestratorFunctions";

    /// <summary>The setting Durable Functions uses for extended sessions, which this host does not support.</summary>
    public const string ExtendedSessionsEnabledKey = Section + ":extendedSessionsEnabled";

    /// <summary>The setting holding this host's worker id (its name on partition leases).</summary>
    public const string WorkerIdKey = "LlmFunctions:Host:WorkerId";

    /// <summary>The hub name <c>func</c> uses locally when host.json names none.</summary>
    public const string DefaultHubName = "TestHubName";

    /// <summary>The connection setting Durable Functions uses when host.json names none.</summary>
    public const string DefaultConnectionName = "AzureWebJobsStorage";

    /// <summary>Gets or sets the task hub name.</summary>
    public string HubName { get; set; } = DefaultHubName;

    /// <summary>Gets or sets the name of the setting holding the Storage connection string.</summary>
    public string ConnectionName { get; set; } = DefaultConnectionName;

    /// <summary>Gets or sets the Storage connection string (a secret: never logged).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the number of control-queue partitions (1-16; Durable's default 4).</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>Gets or sets the control queues' message visibility timeout (1-60 min; Durable's default 5 min).</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the work-item queue's message visibility timeout (10 s - 7 days; Durable's default 5 min).</summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the longest wait between polls of an empty queue (Durable's default 30 s).</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many activities run at once (Durable's default off Consumption: 10 per core).</summary>
    public int MaxConcurrentActivityFunctions { get; set; } = 10 * Environment.ProcessorCount;

    /// <summary>Gets or sets how many orchestrator episodes run at once (Durable's default off Consumption: 10 per core).</summary>
    public int MaxConcurrentOrchestratorFunctions { get; set; } = 10 * Environment.ProcessorCount;

    /// <summary>Gets or sets this host's worker id: stable across restarts so a restarted host takes its partition leases back at once.</summary>
    public string WorkerId { get; set; } = Environment.MachineName;

    /// <summary>Gets the settings that could not be read, each naming the setting; reported by validation.</summary>
    internal List<string> ReadErrors { get; } = [];
}
