using Azure;
using Azure.Data.Tables;
using LlmFunctions.Classification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Health;

/// <summary>
/// The shared provider health in Azure Table Storage, used by every gateway instance. Every write is an
/// ETag-checked read-modify-write: read the row, apply a pure <see cref="HealthTransitions"/> function, replace the
/// row only if nobody changed it meanwhile (or add it if it was missing); on 412 or 409 re-read and re-apply, so no
/// report is lost and no transition happens twice.
/// </summary>
public sealed partial class ProviderHealthStore
{
    /// <summary>How many read-apply-write rounds one change may take before giving up.</summary>
    public const int DefaultMaxAttempts = 50;

    private static readonly TimeSpan MaxConflictPause = TimeSpan.FromMilliseconds(20);

    private readonly TableServiceClient _service;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ProviderHealthStore> _logger;
    private readonly Func<double> _jitter;
    private readonly int _maxAttempts;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ProviderKey, RowWriter> _writers = new();
    private Task<TableClient>? _table;
    private Action<HealthChange>? _written;

    /// <summary>Initializes a new instance of the <see cref="ProviderHealthStore"/> class.</summary>
    /// <param name="service">The Table Storage account.</param>
    /// <param name="options">The health settings; <see cref="HealthOptions.TableName"/> names the table.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    public ProviderHealthStore(
        TableServiceClient service,
        IOptions<HealthOptions> options,
        TimeProvider time,
        ILogger<ProviderHealthStore> logger)
        : this(service, options, time, logger, Random.Shared.NextDouble, DefaultMaxAttempts)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ProviderHealthStore"/> class with a jitter source, for tests.</summary>
    /// <param name="service">The Table Storage account.</param>
    /// <param name="options">The health settings.</param>
    /// <param name="time">The clock; conflict pauses wait on it.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="jitter">Returns a number in [0, 1) that scales the pause after a write conflict.</param>
    /// <param name="maxAttempts">How many read-apply-write rounds one change may take.</param>
    internal ProviderHealthStore(
        TableServiceClient service,
        IOptions<HealthOptions> options,
        TimeProvider time,
        ILogger<ProviderHealthStore> logger,
        Func<double> jitter,
        int maxAttempts)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(jitter);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _service = service;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _jitter = jitter;
        _maxAttempts = maxAttempts;
    }

    /// <summary>Reads one provider's health; a provider never seen is <see cref="ProviderHealth.New"/>.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The health.</returns>
    public async Task<ProviderHealth> GetAsync(ProviderKey key, CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        var (health, _) = await ReadAsync(table, key, cancellationToken);
        return health;
    }

    /// <summary>Reads every provider's health in one query (the table holds one small row per provider and model).</summary>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Every stored health row.</returns>
    public async Task<IReadOnlyList<ProviderHealth>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        var table = await GetTableAsync(cancellationToken);
        var all = new List<ProviderHealth>();
        await foreach (var entity in table.QueryAsync<ProviderHealthEntity>(cancellationToken: cancellationToken))
        {
            all.Add(entity.ToHealth());
        }

        return all;
    }

    /// <summary>Records the outcome of one attempt (see <see cref="HealthTransitions.Apply"/>).</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="outcome">The classified outcome.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The change that was persisted.</returns>
    public async Task<HealthChange> RecordAsync(ProviderKey key, AttemptOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var change = await UpdateAsync(key, (health, now) => HealthTransitions.Apply(health, outcome, now, _options), cancellationToken);
        return change!;
    }

    /// <summary>Tries to take the single half-open probe slot of a recovering provider, across every instance.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="owner">Who probes (host and request id).</param>
    /// <param name="lease">The longest the probe can take (see <see cref="HealthTransitions.TryAcquireProbe"/>).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>True when this caller holds the probe and may make the call.</returns>
    public async Task<bool> TryAcquireProbeAsync(ProviderKey key, string owner, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var change = await UpdateAsync(
            key,
            (health, now) => HealthTransitions.TryAcquireProbe(health, owner, now, _options, out var acquired, lease) ? acquired : null,
            cancellationToken);
        return change is not null;
    }

    /// <summary>Adds successes counted in memory (see <see cref="HealthTransitions.AddSuccesses"/>), for the health cache's flush.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="count">How many successes.</param>
    /// <param name="lastStatus">The HTTP status of the last one.</param>
    /// <param name="lastAt">When the last one was counted.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <param name="quota">The rate-limit window the last one reported, if any.</param>
    /// <returns>The change that was persisted.</returns>
    internal async Task<HealthChange> AddSuccessesAsync(
        ProviderKey key, long count, int? lastStatus, DateTimeOffset lastAt, CancellationToken cancellationToken, Classification.RateLimitQuota? quota = null)
    {
        var change = await UpdateAsync(key, (health, _) => HealthTransitions.AddSuccesses(health, count, lastStatus, lastAt, quota), cancellationToken, notify: false);
        return change!;
    }

    /// <summary>Registers a listener called with every change this store wrote, right after the write.</summary>
    /// <param name="listener">The listener; it must not throw.</param>
    internal void OnWritten(Action<HealthChange> listener) => _written += listener;

    /// <summary>
    /// Lifts every expired cooldown, disable and circuit break (see <see cref="HealthTransitions.ResetExpired"/>);
    /// for the cooldown timer.
    /// </summary>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>The changes made, one per provider whose gate expired.</returns>
    public async Task<IReadOnlyList<HealthChange>> ResetExpiredAsync(CancellationToken cancellationToken = default)
    {
        var all = await GetAllAsync(cancellationToken);
        var changes = new List<HealthChange>();
        foreach (var candidate in all)
        {
            if (HealthTransitions.ResetExpired(candidate, _time.GetUtcNow()) is null)
            {
                continue;
            }

            // Re-checked against the fresh row inside the concurrency loop: another instance may have lifted it.
            var change = await UpdateAsync(candidate.Key, HealthTransitions.ResetExpired, cancellationToken);
            if (change is not null)
            {
                changes.Add(change);
            }
        }

        return changes;
    }

    /// <summary>Operator reset: closes the circuit and clears every gate; totals are kept.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The change.</returns>
    public async Task<HealthChange> ResetAsync(ProviderKey key, CancellationToken cancellationToken = default) =>
        (await UpdateAsync(key, HealthTransitions.Reset, cancellationToken))!;

    /// <summary>Operator disable: the provider is skipped until <paramref name="until"/>.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="until">When the disable ends.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The change.</returns>
    public async Task<HealthChange> DisableAsync(ProviderKey key, DateTimeOffset until, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return (await UpdateAsync(key, (health, now) => HealthTransitions.Disable(health, until, reason, now), cancellationToken))!;
    }

    /// <summary>Operator enable: lifts the disable and closes the circuit.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The change.</returns>
    public async Task<HealthChange> EnableAsync(ProviderKey key, CancellationToken cancellationToken = default) =>
        (await UpdateAsync(key, HealthTransitions.Enable, cancellationToken))!;

    // Concurrent changes to one row from this host are applied together: one read, every transition in arrival order,
    // one ETag-checked write. Without it, N concurrent failures on one provider cost O(N^2) conflicting writes.
    private Task<HealthChange?> UpdateAsync(
        ProviderKey key,
        Func<ProviderHealth, DateTimeOffset, HealthChange?> transition,
        CancellationToken cancellationToken,
        bool notify = true)
    {
        var writer = _writers.GetOrAdd(key, _ => new RowWriter());
        var update = new PendingUpdate(transition, notify, cancellationToken);
        bool lead;
        lock (writer)
        {
            writer.Pending.Add(update);
            lead = !writer.Draining;
            writer.Draining = true;
        }

        if (lead)
        {
            _ = Task.Run(() => DrainAsync(key, writer), CancellationToken.None);
        }

        return update.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync(ProviderKey key, RowWriter writer)
    {
        while (true)
        {
            List<PendingUpdate> batch;
            lock (writer)
            {
                if (writer.Pending.Count == 0)
                {
                    writer.Draining = false;
                    return;
                }

                batch = writer.Pending;
                writer.Pending = [];
            }

            foreach (var gone in batch.Where(u => u.CancellationToken.IsCancellationRequested))
            {
                gone.Done.TrySetCanceled(gone.CancellationToken);
            }

            batch.RemoveAll(u => u.CancellationToken.IsCancellationRequested);
            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                var changes = await ApplyAsync(key, batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(changes[i]);
                }
            }
#pragma warning disable CA1031 // Every waiter gets the failure; the drain goes on for later changes.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                foreach (var update in batch)
                {
                    update.Done.TrySetException(ex);
                }
            }
        }
    }

    private async Task<HealthChange?[]> ApplyAsync(ProviderKey key, List<PendingUpdate> batch)
    {
        // The writes are not cancelled with any one caller: they carry other callers' outcomes too.
        var cancellationToken = CancellationToken.None;
        var table = await GetTableAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var (health, etag) = await ReadAsync(table, key, cancellationToken);
            var changes = new HealthChange?[batch.Count];
            var current = health;
            var changed = false;
            for (var i = 0; i < batch.Count; i++)
            {
                var change = batch[i].Transition(current, _time.GetUtcNow());
                changes[i] = change;
                if (change is { HasChanges: true })
                {
                    current = change.Current;
                    changed = true;
                }
            }

            if (!changed)
            {
                return changes;
            }

            var entity = ProviderHealthEntity.FromHealth(current);
            try
            {
                if (etag is { } ifMatch)
                {
                    await table.UpdateEntityAsync(entity, ifMatch, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                if (attempt >= _maxAttempts)
                {
                    throw new InvalidOperationException(
                        $"Could not update the health of {key} after {attempt} attempts: every write conflicted with another instance.",
                        ex);
                }

                LogWriteConflict(_logger, key.Provider, key.Model, ex.Status, attempt);
                await Task.Delay(MaxConflictPause * _jitter(), _time, cancellationToken);
                continue;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (changes[i] is { HasChanges: true } change)
                {
                    LogTransition(change);
                    if (batch[i].Notify)
                    {
                        _written?.Invoke(change);
                    }
                }
            }

            return changes;
        }
    }

    private sealed class RowWriter
    {
        public List<PendingUpdate> Pending { get; set; } = [];

        public bool Draining { get; set; }
    }

    private sealed class PendingUpdate(Func<ProviderHealth, DateTimeOffset, HealthChange?> transition, bool notify, CancellationToken cancellationToken)
    {
        public Func<ProviderHealth, DateTimeOffset, HealthChange?> Transition { get; } = transition;

        public bool Notify { get; } = notify;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<HealthChange?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static async Task<(ProviderHealth Health, ETag? ETag)> ReadAsync(TableClient table, ProviderKey key, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<ProviderHealthEntity>(
            ProviderHealthEntity.PartitionKeyFor(key),
            ProviderHealthEntity.RowKeyFor(key),
            cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity
            ? (entity.ToHealth() with { Key = key }, entity.ETag)
            : (ProviderHealth.New(key), null);
    }

    private Task<TableClient> GetTableAsync(CancellationToken cancellationToken)
    {
        // Created once per store and cached; a failed creation is forgotten so the next call retries it.
        var table = Volatile.Read(ref _table);
        if (table is null || table.IsFaulted || table.IsCanceled)
        {
            var created = CreateTableAsync();
            table = Interlocked.CompareExchange(ref _table, created, table) == table ? created : Volatile.Read(ref _table)!;
        }

        return table.WaitAsync(cancellationToken);
    }

    private async Task<TableClient> CreateTableAsync()
    {
        var table = _service.GetTableClient(_options.TableName);
        await table.CreateIfNotExistsAsync(CancellationToken.None);
        return table;
    }

    private void LogTransition(HealthChange change)
    {
        var key = change.Key;
        var now = change.Current;
        switch (change.Transition)
        {
            case HealthTransition.CircuitOpened:
                LogCircuitOpened(_logger, key.Provider, key.Model, now.ConsecutiveFailures, now.OpenUntil);
                break;
            case HealthTransition.CircuitReopened:
                LogCircuitReopened(_logger, key.Provider, key.Model, now.TripCount, now.OpenUntil);
                break;
            case HealthTransition.CircuitClosed:
                LogCircuitClosed(_logger, key.Provider, key.Model, change.FromCircuit);
                break;
            case HealthTransition.Disabled:
                LogDisabled(_logger, key.Provider, key.Model, now.DisabledUntil, now.DisabledReason);
                break;
            case HealthTransition.CooldownStarted:
                LogCooldown(_logger, key.Provider, key.Model, now.CooldownUntil, now.CooldownReason);
                break;
            case HealthTransition.HalfOpened:
                LogHalfOpened(_logger, key.Provider, key.Model);
                break;
            case HealthTransition.ProbeAcquired:
                LogProbeAcquired(_logger, key.Provider, key.Model, now.ProbeOwner, now.ProbeLeaseUntil);
                break;
            case HealthTransition.Enabled:
                LogEnabled(_logger, key.Provider, key.Model);
                break;
            case HealthTransition.Reset:
                LogReset(_logger, key.Provider, key.Model);
                break;
            case HealthTransition.None:
            default:
                break;
        }
    }

    [LoggerMessage(EventId = 4101, EventName = "CircuitOpened", Level = LogLevel.Information,
        Message = "Circuit for {Provider}/{Model} opened after {Failures} failures until {Until}")]
    private static partial void LogCircuitOpened(ILogger logger, string provider, string model, int failures, DateTimeOffset? until);

    [LoggerMessage(EventId = 4102, EventName = "CircuitReopened", Level = LogLevel.Information,
        Message = "Probe of {Provider}/{Model} failed; circuit reopened (trip {Trips}) until {Until}")]
    private static partial void LogCircuitReopened(ILogger logger, string provider, string model, int trips, DateTimeOffset? until);

    [LoggerMessage(EventId = 4103, EventName = "CircuitClosed", Level = LogLevel.Information,
        Message = "Circuit for {Provider}/{Model} closed after a success (was {From})")]
    private static partial void LogCircuitClosed(ILogger logger, string provider, string model, CircuitState from);

    [LoggerMessage(EventId = 4104, EventName = "ProviderDisabled", Level = LogLevel.Information,
        Message = "Provider {Provider}/{Model} disabled until {Until}: {Reason}")]
    private static partial void LogDisabled(ILogger logger, string provider, string model, DateTimeOffset? until, string? reason);

    [LoggerMessage(EventId = 4105, EventName = "CooldownStarted", Level = LogLevel.Information,
        Message = "Provider {Provider}/{Model} cooling down until {Until}: {Reason}")]
    private static partial void LogCooldown(ILogger logger, string provider, string model, DateTimeOffset? until, string? reason);

    [LoggerMessage(EventId = 4106, EventName = "HalfOpened", Level = LogLevel.Information,
        Message = "Gate of {Provider}/{Model} expired; the next call is a probe")]
    private static partial void LogHalfOpened(ILogger logger, string provider, string model);

    [LoggerMessage(EventId = 4107, EventName = "ProbeAcquired", Level = LogLevel.Debug,
        Message = "Probe of {Provider}/{Model} acquired by {Owner} until {Until}")]
    private static partial void LogProbeAcquired(ILogger logger, string provider, string model, string? owner, DateTimeOffset? until);

    [LoggerMessage(EventId = 4108, EventName = "ProviderEnabled", Level = LogLevel.Information,
        Message = "Provider {Provider}/{Model} enabled by an operator")]
    private static partial void LogEnabled(ILogger logger, string provider, string model);

    [LoggerMessage(EventId = 4109, EventName = "ProviderReset", Level = LogLevel.Information,
        Message = "Provider {Provider}/{Model} reset by an operator")]
    private static partial void LogReset(ILogger logger, string provider, string model);

    [LoggerMessage(EventId = 4110, EventName = "HealthWriteConflict", Level = LogLevel.Debug,
        Message = "Health write for {Provider}/{Model} conflicted (HTTP {Status}) on attempt {Attempt}; re-reading")]
    private static partial void LogWriteConflict(ILogger logger, string provider, string model, int status, int attempt);
}
