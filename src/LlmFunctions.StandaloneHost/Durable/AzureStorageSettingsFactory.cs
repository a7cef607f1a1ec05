using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>Turns <see cref="DurableEngineOptions"/> into DTFx settings the way Durable Functions' AzureStorageDurabilityProviderFactory does.</summary>
internal static class AzureStorageSettingsFactory
{
    public static AzureStorageOrchestrationServiceSettings Create(DurableEngineOptions options, ILoggerFactory loggerFactory)
    {
        return new()
        {
            StorageAccountClientProvider = ClientProvider(options.ConnectionString!),
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

    /// <summary>The engine's Storage clients for <paramref name="connection"/>, with the engine's retry settings.</summary>
    /// <param name="connection">The Storage connection string.</param>
    /// <returns>The client provider.</returns>
    public static StorageAccountClientProvider ClientProvider(string connection) => new(
        StorageServiceClientProvider.ForBlob(connection, WithRetries(new BlobClientOptions())),
        StorageServiceClientProvider.ForQueue(connection, WithRetries(new QueueClientOptions())),
        StorageServiceClientProvider.ForTable(connection, WithRetries(new TableClientOptions())));

    // The SDK's default (3 retries from 0.8 s, 100 s a try) holds a durable start or a management call for half a minute
    // when Storage refuses connections; the engine's own loops retry anyway, and a caller is better told at once.
    private static T WithRetries<T>(T options)
        where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(250);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }
}
