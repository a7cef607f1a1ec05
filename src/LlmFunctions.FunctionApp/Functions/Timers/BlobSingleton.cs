using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace LlmFunctions.FunctionApp.Functions.Timers;

/// <summary>What became of one occurrence on this instance.</summary>
internal enum SingletonOutcome
{
    /// <summary>This instance ran it.</summary>
    Ran,

    /// <summary>Another instance holds the lease and is running it.</summary>
    LeaseHeld,

    /// <summary>Another instance already ran this occurrence.</summary>
    AlreadyRan,
}

/// <summary>
/// Runs a timer occurrence on one instance only: a blob lease guards the run and the blob's metadata records the last
/// occurrence run, so an instance that wakes after the winner released the lease does not run it again.
/// </summary>
internal sealed class BlobSingleton(Lazy<BlobContainerClient> container, string name)
{
    public BlobSingleton(BlobContainerClient container, string name)
        : this(new Lazy<BlobContainerClient>(container), name)
    {
    }

    public const string ContainerName = "llmfunctions-locks";

    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private const string OccurrenceKey = "lastoccurrence";

    public async Task<SingletonOutcome> TryRunAsync(DateTimeOffset occurrence, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var blob = container.Value.GetBlobClient(name);
        await EnsureBlobAsync(blob, cancellationToken);

        var lease = blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return SingletonOutcome.LeaseHeld;
        }

        try
        {
            var stamp = occurrence.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            if (properties.Value.Metadata.TryGetValue(OccurrenceKey, out var last) &&
                long.TryParse(last, System.Globalization.CultureInfo.InvariantCulture, out var lastTicks) &&
                lastTicks >= occurrence.UtcTicks)
            {
                return SingletonOutcome.AlreadyRan;
            }

            await run(cancellationToken);
            await blob.SetMetadataAsync(
                new Dictionary<string, string> { [OccurrenceKey] = stamp },
                new BlobRequestConditions { LeaseId = lease.LeaseId },
                cancellationToken);
            return SingletonOutcome.Ran;
        }
        finally
        {
            // Not cancellable: a lease left behind would block every instance for up to LeaseDuration.
            await lease.ReleaseAsync(cancellationToken: CancellationToken.None);
        }
    }

    private async Task EnsureBlobAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        await container.Value.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        try
        {
            await blob.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Exists already (or is leased by the instance running now).
        }
    }
}
