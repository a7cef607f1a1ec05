using System.Buffers;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LlmFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Caching;

/// <summary>
/// The response cache's storage, shared by every instance: one blob per key in <see cref="ResponseCacheOptions.Container"/>,
/// the answer's JSON as the body and the instants that rule it in metadata (<see cref="CacheEntryMetadata"/>). It sits on
/// the request path, so it never throws for a storage failure: a read that fails is a miss, a write that fails is
/// skipped, both logged. It stores answers only, never request headers, under a hash of the request.
/// </summary>
public sealed partial class ResponseCache
{
    /// <summary>The prefix of every entry's blob name; it carries <see cref="ResponseCacheKey.Version"/>, so entries of
    /// another key version are never read and pruning lists only this version's.</summary>
    public const string BlobPrefix = ResponseCacheKey.Version + "/";

    private const string JsonContentType = "application/json";

    private readonly BlobContainerClient _container;
    private readonly ResponseCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ResponseCache> _logger;
    private readonly Security.SecretRedactor? _secrets;
    private volatile bool _containerExists;

    /// <summary>Initializes a new instance of the <see cref="ResponseCache"/> class.</summary>
    /// <param name="container">The container (not necessarily created yet); give it a client with short retries, such as
    /// one with <see cref="Storage.StorageConnection.RequestPathBlobOptions"/>.</param>
    /// <param name="options">The validated options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="secrets">Knows the provider keys: an answer that holds one (a provider echoing it) is never
    /// stored. None when null.</param>
    public ResponseCache(BlobContainerClient container, IOptions<ResponseCacheOptions> options, TimeProvider time, ILogger<ResponseCache> logger, Security.SecretRedactor? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _container = container;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _secrets = secrets;
    }

    /// <summary>Reads the answer stored under <paramref name="key"/>.</summary>
    /// <param name="key">The key (<see cref="ResponseCacheKey.Compute"/>).</param>
    /// <param name="cancellationToken">Cancels the read; cancellation throws.</param>
    /// <returns>The answer, fresh or stale; null when there is none, it is past its keep time, it is unreadable, or storage
    /// failed (logged).</returns>
    public async Task<CachedAnswer?> TryGetAsync(string key, CancellationToken cancellationToken = default)
    {
        var blob = Blob(key);
        BlobDownloadResult download;
        try
        {
            download = (await blob.DownloadContentAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            LogReadFailed(_logger, key, StorageFailure.Describe(ex));
            return null;
        }

        if (!CacheEntryMetadata.TryRead(download.Details.Metadata, out var entry))
        {
            LogUnreadable(_logger, key, "metadata");
            return null;
        }

        if (entry.IsExpiredAt(_time.GetUtcNow()))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(download.Content.ToMemory());
            return new CachedAnswer(document.RootElement.Clone(), entry.ServedBy, entry.StoredAt, entry.FreshUntil, entry.KeepUntil);
        }
        catch (JsonException)
        {
            LogUnreadable(_logger, key, "body");
            return null;
        }
    }

    /// <summary>
    /// Stores an answer under <paramref name="key"/>, best effort. A new entry is created only if none exists
    /// (<c>If-None-Match: *</c>); an existing one is replaced only when it is no longer fresh, and only if it is still the
    /// one read (<c>If-Match</c> its ETag), so writers racing on one key leave one entry and never overwrite blindly.
    /// </summary>
    /// <param name="key">The key (<see cref="ResponseCacheKey.Compute"/>).</param>
    /// <param name="scope">The route or model the key was computed for (kept in metadata for operators).</param>
    /// <param name="body">The OpenAI <c>chat.completion</c> JSON as the provider answered.</param>
    /// <param name="servedBy">The <c>Provider/model</c> that answered.</param>
    /// <param name="fresh">How long a hit may be served instead of calling providers (zero: only as stale-if-error).</param>
    /// <param name="keep">How long the entry is kept and may be served when every provider failed; at least
    /// <paramref name="fresh"/>.</param>
    /// <param name="cancellationToken">Cancels the write; cancellation throws.</param>
    /// <returns>True when this call stored the answer; false when it is larger than
    /// <see cref="ResponseCacheOptions.MaxEntryBytes"/>, a fresh entry is already there, another writer won, or storage
    /// failed (logged).</returns>
    public async Task<bool> TryStoreAsync(string key, string scope, JsonElement body, string servedBy, TimeSpan fresh, TimeSpan keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(servedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(fresh, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, fresh);
        var blob = Blob(key);
        var content = Utf8(body);
        var bytes = content.ToMemory().Length;
        if (bytes > _options.MaxEntryBytes)
        {
            LogTooLarge(_logger, key, bytes, _options.MaxEntryBytes);
            return false;
        }

        // Storage never holds a secret: an answer that carries a provider's key, in any encoding the redactor knows, is
        // passed to its caller (as every answer is) but not kept.
        if (_secrets is not null && content.ToString() is var text && _secrets.Redact(text) != text)
        {
            LogHoldsSecret(_logger, key);
            return false;
        }

        var now = _time.GetUtcNow();
        var upload = new BlobUploadOptions
        {
            Metadata = new CacheEntryMetadata(now, now + fresh, now + keep, servedBy, scope).ToMetadata(),
            HttpHeaders = new BlobHttpHeaders { ContentType = JsonContentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        try
        {
            await EnsureContainerAsync(cancellationToken);
            try
            {
                await blob.UploadAsync(content, upload, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // The entry exists: replaced below only if stale, and only if nobody replaced it meanwhile.
            }

            var existing = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            if (CacheEntryMetadata.TryRead(existing.Metadata, out var entry) && entry.IsFreshAt(now))
            {
                LogAlreadyFresh(_logger, key);
                return false;
            }

            upload.Conditions = new BlobRequestConditions { IfMatch = existing.ETag };
            await blob.UploadAsync(content, upload, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412 || (ex.Status == 409 && ex.ErrorCode != BlobErrorCode.ContainerBeingDeleted) || (ex.Status == 404 && ex.ErrorCode != BlobErrorCode.ContainerNotFound))
        {
            // Another writer replaced or deleted the entry between the read and the write: its answer stands.
            LogLostRace(_logger, key);
            return false;
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            if (ex is RequestFailedException { Status: 404 })
            {
                // The container was deleted since it was created here: create it again at the next store.
                _containerExists = false;
            }

            LogStoreFailed(_logger, key, StorageFailure.Describe(ex));
            return false;
        }
    }

    /// <summary>
    /// Deletes every entry past its keep time (and every unreadable one), then the oldest entries (by store time) until
    /// the rest total at most <see cref="ResponseCacheOptions.MaxTotalBytes"/>. Lists blobs with their metadata and never
    /// downloads a body. An entry rewritten since the listing is not deleted (<c>If-Match</c>). Storage failures throw:
    /// the next run prunes what this one could not.
    /// </summary>
    /// <param name="cancellationToken">Cancels the prune.</param>
    /// <returns>What was deleted and what is left.</returns>
    public async Task<CachePruneResult> PruneAsync(CancellationToken cancellationToken = default)
    {
        var entries = new List<CacheListing>();
        try
        {
            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata, Prefix = BlobPrefix }, cancellationToken))
            {
                entries.Add(new CacheListing(
                    item.Name,
                    item.Properties.ContentLength ?? 0,
                    item.Properties.ETag ?? default,
                    CacheEntryMetadata.TryRead(item.Metadata, out var entry) ? entry : null));
            }
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return new CachePruneResult(0, 0, 0);
        }

        var plan = CachePrunePlan.Decide(entries, _time.GetUtcNow(), _options.MaxTotalBytes);
        var bytesLeft = plan.BytesLeft;
        var expired = 0;
        foreach (var entry in plan.Expired)
        {
            expired += await TryDeleteAsync(entry, cancellationToken) ? 1 : 0;
        }

        var evicted = 0;
        foreach (var entry in plan.Evicted)
        {
            if (await TryDeleteAsync(entry, cancellationToken))
            {
                evicted++;
            }
            else
            {
                bytesLeft += entry.Bytes;
            }
        }

        return new CachePruneResult(expired, evicted, bytesLeft);
    }

    private static bool IsStorageFailure(Exception exception, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && (exception is RequestFailedException || StorageFailure.IsUnavailable(exception));

    private static BinaryData Utf8(JsonElement body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body.WriteTo(writer);
        }

        return new BinaryData(buffer.WrittenMemory);
    }

    private BlobClient Blob(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return _container.GetBlobClient(BlobPrefix + key);
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerExists)
        {
            return;
        }

        // Several first stores may race here: creating an existing container is a 409 the SDK turns into "exists".
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        _containerExists = true;
    }

    /// <summary>Deletes an entry if it is still the one listed.</summary>
    /// <returns>True when deleted; false when it was rewritten (412) or already gone (404).</returns>
    private async Task<bool> TryDeleteAsync(CacheListing entry, CancellationToken cancellationToken)
    {
        try
        {
            var conditions = entry.ETag == default ? null : new BlobRequestConditions { IfMatch = entry.ETag };
            return await _container.GetBlobClient(entry.Name).DeleteIfExistsAsync(DeleteSnapshotsOption.None, conditions, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 4801, EventName = "CacheReadFailed", Level = LogLevel.Warning,
        Message = "Response cache read of {Key} failed ({Failure}): treated as a miss")]
    private static partial void LogReadFailed(ILogger logger, string key, string failure);

    [LoggerMessage(EventId = 4802, EventName = "CacheEntryUnreadable", Level = LogLevel.Warning,
        Message = "Response cache entry {Key} has an unreadable {Part}: treated as a miss")]
    private static partial void LogUnreadable(ILogger logger, string key, string part);

    [LoggerMessage(EventId = 4803, EventName = "CacheEntryTooLarge", Level = LogLevel.Debug,
        Message = "Response cache entry {Key} not stored: {Bytes} bytes, above LlmFunctions:Cache:MaxEntryBytes ({MaxBytes})")]
    private static partial void LogTooLarge(ILogger logger, string key, int bytes, int maxBytes);

    [LoggerMessage(EventId = 4807, EventName = "CacheEntryHoldsSecret", Level = LogLevel.Warning,
        Message = "Response cache entry {Key} not stored: the answer holds a configured secret")]
    private static partial void LogHoldsSecret(ILogger logger, string key);

    [LoggerMessage(EventId = 4804, EventName = "CacheEntryAlreadyFresh", Level = LogLevel.Debug,
        Message = "Response cache entry {Key} not stored: a fresh entry is already there")]
    private static partial void LogAlreadyFresh(ILogger logger, string key);

    [LoggerMessage(EventId = 4805, EventName = "CacheWriteLostRace", Level = LogLevel.Debug,
        Message = "Response cache entry {Key} not stored: another writer changed it first")]
    private static partial void LogLostRace(ILogger logger, string key);

    [LoggerMessage(EventId = 4806, EventName = "CacheWriteFailed", Level = LogLevel.Warning,
        Message = "Response cache write of {Key} failed ({Failure}): not stored")]
    private static partial void LogStoreFailed(ILogger logger, string key, string failure);
}
