using System.Threading.Channels;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Alerts;

/// <summary>
/// The error tracker: every change written to the shared health is queued (never awaited on the request path), then
/// checked against <see cref="AlertRules"/> in the background; errors are counted and alerts raised in the shared
/// <see cref="AlertStore"/>, so N hosts raise one alert. A raised alert is logged and handed to the
/// <see cref="AlertNotifier"/>.
/// </summary>
public sealed partial class AlertMonitor : BackgroundService
{
    private readonly Channel<HealthChange> _changes = Channel.CreateBounded<HealthChange>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly AlertStore _store;
    private readonly AlertNotifier _notifier;
    private readonly ProviderCatalog _catalog;
    private readonly ProviderHealthCache _cache;
    private readonly AlertOptions _options;
    private readonly ILogger<AlertMonitor> _logger;
    private int _pending;

    /// <summary>Initializes a new instance and starts listening to the health store's writes.</summary>
    /// <param name="health">The health store whose writes are watched.</param>
    /// <param name="cache">The cached health, to tell whether every provider is unavailable.</param>
    /// <param name="catalog">The providers.</param>
    /// <param name="store">The shared alert table.</param>
    /// <param name="notifier">Delivers raised alerts.</param>
    /// <param name="options">The thresholds.</param>
    /// <param name="logger">The logger.</param>
    public AlertMonitor(ProviderHealthStore health, ProviderHealthCache cache, ProviderCatalog catalog, AlertStore store, AlertNotifier notifier, IOptions<AlertOptions> options, ILogger<AlertMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _notifier = notifier;
        _catalog = catalog;
        _cache = cache;
        _options = options.Value;
        _logger = logger;
        health.OnWritten(Enqueue);
    }

    /// <summary>Gets how many changes are queued or being checked (for tests that wait for the tracker to settle).</summary>
    public int Pending => Volatile.Read(ref _pending);

    private void Enqueue(HealthChange change)
    {
        if (change.Current.FailureCount <= change.Previous.FailureCount)
        {
            return;
        }

        Interlocked.Increment(ref _pending);
        if (!_changes.Writer.TryWrite(change))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var change in _changes.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await CheckAsync(change, stoppingToken);
            }
            catch (Exception ex) when (StorageFailure.IsUnavailable(ex) || ex is Azure.RequestFailedException)
            {
                LogCheckFailed(_logger, change.Key.Provider, change.Key.Model, StorageFailure.Describe(ex));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The tracker must outlive one bad check: a dead loop would silence every later alert.
                LogCheckFailed(_logger, change.Key.Provider, change.Key.Model, ex.GetType().Name + ": " + ex.Message);
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private async Task CheckAsync(HealthChange change, CancellationToken cancellationToken)
    {
        var everyUnavailable = _catalog.Providers.SelectMany(p => p.Models.Select(m => new ProviderKey(p.Name, m)))
            .All(k => (k == change.Key ? change.Current : _cache.Find(k))?.AvailabilityAt(change.At).CanCall == false);
        foreach (var candidate in AlertRules.Evaluate(change, everyUnavailable, _options))
        {
            var count = candidate.Threshold <= 1 ? 1 : await _store.CountErrorAsync(candidate.Rule, candidate.Subject, change.At, candidate.Window, cancellationToken);
            if (count < candidate.Threshold)
            {
                continue;
            }

            var alert = new Alert(candidate.Rule, candidate.Subject, candidate.Severity, candidate.Message(count), change.At);
            if (await _store.TryRaiseAsync(alert, candidate.QuietUntil, cancellationToken))
            {
                LogAlert(_logger, alert.Severity, alert.Rule, alert.Subject, alert.Message);
                _notifier.Enqueue(alert);
            }
        }
    }

    [LoggerMessage(EventId = 4601, Level = LogLevel.Error, Message = "ALERT {Severity} {Rule} {Subject}: {Message}")]
    private static partial void LogAlert(ILogger logger, AlertSeverity severity, string rule, string subject, string message);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "Could not check alerts for {Provider}/{Model}: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, string provider, string model, string error);
}
