using DurableTask.AzureStorage;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>Turns <see cref="DurableEngineOptions"/> into DTFx settings the way Durable Functions' AzureStorageDurabilityProviderFactory does.</summary>
internal static class AzureStorageSettingsFactory
{
    public static AzureStorageOrchestrationServiceSettings Create(DurableEngineOptions options, ILoggerFactory loggerFactory) => new()
    {
        StorageAccountClientProvider = new StorageAccountClientProvider(options.ConnectionString!),
        TaskHubName = options.HubName,
        PartitionCount = options.PartitionCount,
        ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,
        WorkItemQueueVisibilityTimeout = options.WorkItemQueueVisibilityTimeout,
        MaxQueuePollingInterval = options.MaxQueuePollingInterval,
        MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivityFunctions,
        MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestratorFunctions,
        WorkerId = options.WorkerId,
        ExtendedSessionsEnabled = false,
        ThrowExceptionOnInvalidDedupeStatus = true,
        LoggerFactory = loggerFactory,
    };
}
