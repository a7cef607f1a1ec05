using System.Collections.Immutable;
using LlmFunctions.Classification;
using LlmFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Health;

/// <summary>
/// An in-memory view of every provider health row, in front of <see cref="ProviderHealthStore"/>, so the request
/// path reads no table and writes none for a routine success.
/// <list type="bullet">
/// <item>Reads are served from memory; when the snapshot is older than <see cref="HealthOptions.CacheRefreshInterval"/>
/// it is refreshed from the table in the background (one refresh at a time) while the stale one is served. The first
/// read waits for the load.</item>
/// <item>Every write made through the store updates the view with the row written (write-through), so this host sees
/// its own changes at once; other hosts' changes arrive with the next refresh.</item>
/// <item>A success that changes nothing but counters (<see cref="HealthTransitions.ChangesOnlyCounters"/>) is counted
/// in memory and flushed with one ETag-checked update per provider and model every
/// <see cref="HealthOptions.CounterFlushInterval"/> and on dispose. Every other outcome is written at once.</item>
/// </list>
/// </summary>
public sealed partial class ProviderHealthCache : IAsyncDisposable, IDisposable
{
    // How long the final flush on shutdown may take before the counts are given up (and logged as lost).
    private static readonly TimeSpan ShutdownFlushTimeout = TimeSpan.FromSeconds(10);

    private readonly ProviderHealthStore _store;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ProviderHealthCache> _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private readonly ITimer? _flushTimer;

    // Guarded by _gate. _rows holds the last known stored value of each row; _view adds the unflushed successes.
    private readonly Dictionary<ProviderKey, long> _writtenSequence = [];
    private readonly Dictionary<ProviderKey, PendingSuccesses> _pending = [];
    private readonly Dictionary<ProviderKey, PendingSuccesses> _flushing = [];
    private Dictionary<ProviderKey, ProviderHealth> _rows = [];
    private ImmutableDictionary<ProviderKey, ProviderHealth>? _view;
    private long _loadedAtTicks;
    private long _sequence;
    private Task? _refresh;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="ProviderHealthCache"/> class.</summary>
    /// <param name="store">The table store; every write made through it updates this cache.</param>
    /// <param name="options">The health settings (refresh and flush intervals).</param>
    /// <param name="time">The clock that ages the snapshot and drives the flush.</param>
    /// <param name="logger">The logger.</param>
    public ProviderHealthCache(ProviderHealthStore store, IOptions<HealthOptions> options, TimeProvider time, ILogger<ProviderHealthCache> logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _store.OnWritten(OnStoreWrote);
        if (_options.CounterFlushInterval > TimeSpan.Zero)
        {
            _flushTimer = _time.CreateTimer(_ => _ = FlushInBackgroundAsync(), null, _options.CounterFlushInterval, _options.CounterFlushInterval);
        }
    }

    /// <summary>Gets how many successes are counted in memory and not yet written to the table.</summary>
    public long UnflushedSuccesses
    {
        get
        {
            lock (_gate)
            {
                return _pending.Values.Sum(p => p.Count) + _flushing.Values.Sum(p => p.Count);
            }
        }
    }

    /// <summary>
    /// Gets every known provider's health. Served from memory; the first call waits for the table, later calls
    /// start a background refresh when the snapshot is older than <see cref="HealthOptions.CacheRefreshInterval"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the first load.</param>
    /// <returns>The health of every provider with a row, by key.</returns>
    public async ValueTask<IReadOnlyDictionary<ProviderKey, ProviderHealth>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        if (_options.CacheRefreshInterval <= TimeSpan.Zero)
        {
            await LoadAsync(cancellationToken);
            return Volatile.Read(ref _view)!;
        }

        var view = Volatile.Read(ref _view);
        if (view is null)
        {
            await StartRefresh().WaitAsync(cancellationToken);
            return Volatile.Read(ref _view)!;
        }

        if (_time.GetUtcNow().UtcTicks - Volatile.Read(ref _loadedAtTicks) >= _options.CacheRefreshInterval.Ticks)
        {
            _ = StartRefresh();
        }

        return view;
    }

    /// <summary>Gets one provider's cached health, without I/O.</summary>
    /// <param name="key">The provider and model.</param>
    /// <returns>The health, or null when no row is known (or nothing was loaded yet).</returns>
    public ProviderHealth? Find(ProviderKey key) =>
        Volatile.Read(ref _view) is { } view && view.TryGetValue(key, out var health) ? health : null;

    /// <summary>Reads one provider's row from the table and updates the cache with it.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The health, with this host's unflushed successes added.</returns>
    public async Task<ProviderHealth> ReadThroughAsync(ProviderKey key, CancellationToken cancellationToken = default)
    {
        var stored = await _store.GetAsync(key, cancellationToken);
        lock (_gate)
        {
            _writtenSequence[key] = ++_sequence;
            if (stored.UpdatedAt is null)
            {
                _rows.Remove(key);
            }
            else
            {
                _rows[key] = stored;
            }

            return UpdateView(key) ?? stored;
        }
    }

    /// <summary>
    /// Records the outcome of one attempt: a success that changes nothing but counters is counted in memory (and
    /// flushed later); every other outcome is written to the table at once through the store.
    /// </summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="outcome">The classified outcome.</param>
    /// <param name="cancellationToken">Cancels a write.</param>
    /// <returns>The change, as this host now sees it.</returns>
    public async Task<HealthChange> RecordAsync(ProviderKey key, AttemptOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Class == ErrorClass.Success && _options.CounterFlushInterval > TimeSpan.Zero && TryCountSuccess(key, outcome) is { } counted)
        {
            return counted;
        }

        return await _store.RecordAsync(key, outcome, cancellationToken);
    }

    /// <summary>
    /// Writes every success counted in memory, one ETag-checked update per provider and model. A failed write keeps
    /// its counts for the next flush and is logged, never thrown.
    /// </summary>
    /// <param name="cancellationToken">Cancels the flush; counts not yet written are kept.</param>
    /// <returns>How many provider rows could not be written.</returns>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushLock.WaitAsync(cancellationToken);
        try
        {
            List<KeyValuePair<ProviderKey, PendingSuccesses>> batch;
            lock (_gate)
            {
                batch = [.. _pending];
                _pending.Clear();
                foreach (var (key, pending) in batch)
                {
                    _flushing[key] = pending;
                }
            }

            var failed = 0;
            foreach (var (key, pending) in batch)
            {
                HealthChange? change = null;
                try
                {
                    change = await _store.AddSuccessesAsync(key, pending.Count, pending.LastStatus, pending.LastAt, cancellationToken, pending.Quota);
                }
                catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException or OperationCanceledException || StorageFailure.IsUnavailable(ex))
                {
                    failed++;
                    LogFlushFailed(_logger, key.Provider, key.Model, pending.Count, StorageFailure.IsUnavailable(ex) ? StorageFailure.Describe(ex) : ex.Message);
                }
                finally
                {
                    lock (_gate)
                    {
                        _flushing.Remove(key);
                        if (change is not null)
                        {
                            _writtenSequence[key] = ++_sequence;
                            _rows[key] = change.Current;
                        }
                        else
                        {
                            // Not written (failed, or an unexpected exception is on its way up): keep the counts.
                            _pending[key] = _pending.TryGetValue(key, out var newer) ? pending.Add(newer) : pending;
                        }

                        UpdateView(key);
                    }
                }
            }

            return failed;
        }
        finally
        {
            _flushLock.Release();
        }
    }

    /// <summary>Stops the flush timer and writes every success still counted in memory.</summary>
    /// <returns>A task that completes when the final flush is done.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        if (_flushTimer is not null)
        {
            await _flushTimer.DisposeAsync();
        }

        using var timeout = new CancellationTokenSource(ShutdownFlushTimeout, _time);
        try
        {
            await FlushAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The flush lock was not released in time; what is left is logged below.
        }

        if (UnflushedSuccesses is > 0 and var lost)
        {
            LogCountsLost(_logger, lost);
        }

        _flushLock.Dispose();
    }

    /// <summary>Stops the flush timer and writes every success still counted in memory, blocking.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private HealthChange? TryCountSuccess(ProviderKey key, AttemptOutcome outcome)
    {
        lock (_gate)
        {
            if (_disposed || _view is null || !_view.TryGetValue(key, out var current))
            {
                return null;
            }

            var now = _time.GetUtcNow();
            var change = HealthTransitions.Apply(current, outcome, now, _options);
            if (!HealthTransitions.ChangesOnlyCounters(change))
            {
                return null;
            }

            var counted = new PendingSuccesses(1, outcome.HttpStatus, now, outcome.Quota);
            _pending[key] = _pending.TryGetValue(key, out var pending) ? pending.Add(counted) : counted;
            return change with { Current = UpdateView(key) ?? change.Current };
        }
    }

    private Task StartRefresh()
    {
        lock (_gate)
        {
            if (_refresh is null || _refresh.IsCompleted)
            {
                _refresh = RefreshAsync();
            }

            return _refresh;
        }
    }

    private async Task RefreshAsync()
    {
        // Yield so the caller that started the refresh is not held up by the table round trip.
        await Task.Yield();
        try
        {
            await LoadAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException || StorageFailure.IsUnavailable(ex))
        {
            bool loaded;
            lock (_gate)
            {
                loaded = _view is not null;
                Volatile.Write(ref _loadedAtTicks, _time.GetUtcNow().UtcTicks);
            }

            // A stale view is still served; only the very first load has a caller to tell.
            if (!loaded)
            {
                throw;
            }

            LogRefreshFailed(_logger, ex);
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        long startedAfter;
        lock (_gate)
        {
            startedAfter = _sequence;
        }

        var readAt = _time.GetUtcNow();
        var stored = await _store.GetAllAsync(cancellationToken);
        lock (_gate)
        {
            var rows = stored.ToDictionary(h => h.Key);
            foreach (var (key, sequence) in _writtenSequence)
            {
                // Written (or read) by this host after the query started: newer than what the query returned.
                if (sequence > startedAfter && _rows.TryGetValue(key, out var newer))
                {
                    rows[key] = newer;
                }
            }

            _rows = rows;
            Volatile.Write(ref _loadedAtTicks, readAt.UtcTicks);
            var view = ImmutableDictionary.CreateBuilder<ProviderKey, ProviderHealth>();
            foreach (var key in _rows.Keys.Concat(_pending.Keys).Concat(_flushing.Keys).Distinct())
            {
                view[key] = Compose(key);
            }

            Volatile.Write(ref _view, view.ToImmutable());
        }
    }

    private void OnStoreWrote(HealthChange change)
    {
        lock (_gate)
        {
            _writtenSequence[change.Key] = ++_sequence;
            _rows[change.Key] = change.Current;
            UpdateView(change.Key);
        }
    }

    // Must hold _gate. Returns the key's new view value (null when nothing is known, or nothing was loaded yet).
    private ProviderHealth? UpdateView(ProviderKey key)
    {
        if (_view is null)
        {
            return null;
        }

        var composed = _rows.ContainsKey(key) || _pending.ContainsKey(key) || _flushing.ContainsKey(key) ? Compose(key) : null;
        Volatile.Write(ref _view, composed is null ? _view.Remove(key) : _view.SetItem(key, composed));
        return composed;
    }

    // Must hold _gate.
    private ProviderHealth Compose(ProviderKey key)
    {
        var health = _rows.GetValueOrDefault(key) ?? ProviderHealth.New(key);
        foreach (var unwritten in new[] { _flushing, _pending })
        {
            if (unwritten.TryGetValue(key, out var successes))
            {
                health = HealthTransitions.AddSuccesses(health, successes.Count, successes.LastStatus, successes.LastAt, successes.Quota).Current;
            }
        }

        return health;
    }

    private async Task FlushInBackgroundAsync()
    {
        // The timer fires again while a slow flush runs; that tick is skipped, not queued.
        if (_flushLock.CurrentCount == 0)
        {
            return;
        }

        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the tick and the flush: the final flush on dispose wrote the counts.
        }
    }

    [LoggerMessage(EventId = 4120, EventName = "HealthCounterFlushFailed", Level = LogLevel.Warning,
        Message = "Could not write {Count} success(es) of {Provider}/{Model} to the health table ({Reason}); they are kept for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, string provider, string model, long count, string reason);

    [LoggerMessage(EventId = 4121, EventName = "HealthCacheRefreshFailed", Level = LogLevel.Warning,
        Message = "Could not refresh the provider health cache from the table; the last snapshot is served until the next try")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4122, EventName = "HealthCountsLost", Level = LogLevel.Error,
        Message = "Shutting down with {Count} success count(s) not written to the health table")]
    private static partial void LogCountsLost(ILogger logger, long count);

    private readonly record struct PendingSuccesses(long Count, int? LastStatus, DateTimeOffset LastAt, RateLimitQuota? Quota = null)
    {
        // `later` was counted after this one, so its status, time and window win.
        public PendingSuccesses Add(PendingSuccesses later) =>
            new(Count + later.Count, later.LastStatus ?? LastStatus, later.LastAt > LastAt ? later.LastAt : LastAt, later.Quota ?? Quota);
    }
}
