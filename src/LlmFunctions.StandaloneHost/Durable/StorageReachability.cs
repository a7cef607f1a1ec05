using Azure;
using Azure.Storage.Queues;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>
/// One quick, unretried request to the queue endpoint before each start attempt: DTFx's own start retries every
/// request (the SDK default) and takes ~25 s to report an unreachable account; this says so at once.
/// </summary>
internal sealed class StorageReachability(string connectionString)
{
    private readonly QueueServiceClient _client = new(connectionString, new QueueClientOptions
    {
        Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(10) },
    });

    /// <summary>Throws when the queue endpoint cannot be reached; any HTTP answer, even a refusal, counts as reachable.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.GetPropertiesAsync(cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status != 0)
        {
            // Answered: reachable. Whether the credentials suffice is DTFx's start to find out.
        }
    }
}
