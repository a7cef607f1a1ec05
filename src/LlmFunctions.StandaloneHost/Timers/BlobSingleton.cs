using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>
/// Runs a timer occurrence on one host only, as the Functions host's singleton lock does: a lease on a blob per
/// function in <c>azure-webjobs-hosts</c> (<c>locks/{hostId}/Host.Functions.{name}.Listener</c>) guards the run, and
/// the blob's metadata records the last occurrence run, so a host that wakes after the winner released the lease does
/// not run it again.
/// </summary>
internal sealed class BlobSingleton(Func<BlobContainerClient> container, string blobName, TimeProvider time)
{
    public const string ContainerName = "azure-webjobs-hosts";

    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(20);

    private bool _blobExists;

    public string BlobName => blobName;

    /// <summary>The lock blob of a function, as the Functions host names a timer listener's lock.</summary>
    public static string LockBlobName(string hostId, string function) => $"locks/{hostId}/Host.Functions.{function}.Listener";

    /// <summary>Reads the schedule status the last run left; null when there is none yet.</summary>
    public async Task<StoredScheduleStatus?> ReadStatusAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await container().GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return StoredScheduleStatus.From(properties.Value.Metadata);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Takes the lease and, unless <paramref name="occurrence"/> was already run (when <paramref name="once"/>), runs it
    /// and records the new status, even when the run fails (the Functions timer moves on too); the run's exception is
    /// then rethrown.
    /// </summary>
    public async Task<SingletonOutcome> TryRunAsync(
        DateTimeOffset occurrence,
        DateTimeOffset next,
        bool once,
        Func<StoredScheduleStatus?, CancellationToken, Task> run,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var blob = container().GetBlobClient(blobName);
        await EnsureBlobAsync(blob, cancellationToken).ConfigureAwait(false);

        var lease = blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return SingletonOutcome.LeaseHeld;
        }

        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewAsync(lease, renewing.Token);
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var status = StoredScheduleStatus.From(properties.Value.Metadata);
            if (once && status is not null && status.Last >= occurrence)
            {
                return SingletonOutcome.AlreadyRan;
            }

            Exception? failure = null;
            try
            {
                await run(status, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }

            await blob.SetMetadataAsync(
                new StoredScheduleStatus(occurrence, next, time.GetUtcNow()).ToMetadata(),
                new BlobRequestConditions { LeaseId = lease.LeaseId },
                cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            return SingletonOutcome.Ran;
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);

            // Not cancellable: a lease left behind would block every host for up to LeaseDuration.
            await lease.ReleaseAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task RenewAsync(BlobLeaseClient lease, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RenewInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await lease.RenewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended.
        }
        catch (RequestFailedException)
        {
            // The lease is lost; the run goes on, and the status write that follows fails and is logged.
        }
    }

    private async Task EnsureBlobAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        if (_blobExists)
        {
            return;
        }

        await container().CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await blob.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Exists already (or is leased by the host running now).
        }

        _blobExists = true;
    }
}
