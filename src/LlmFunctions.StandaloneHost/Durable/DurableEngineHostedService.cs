using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Options;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>
/// Runs the DTFx worker for the host's lifetime. Start-up never waits on Storage: the task hub is created and the worker
/// started in the background, retried with backoff while Storage is unreachable, so the host comes up (and its health
/// endpoint can say what is wrong). Stopping drains the worker within a bounded time.
/// </summary>
internal sealed class DurableEngineHostedService(
    AzureStorageOrchestrationService service,
    DurableFunctionRegistry registry,
    DurableFunctionServices functionServices,
    IOptions<DurableEngineOptions> options,
    TimeProvider timeProvider,
    ILogger<DurableEngineHostedService> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    // DTFx's dispatchers wait up to ~8 s for in-flight work items (WorkItemDispatcher.StopAsync), then leases are released.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private bool _stopRequested;
    private TaskHubWorker? _worker;

    /// <summary>Gets a value indicating whether the worker has started and is processing the task hub.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _worker is not null && !_stopRequested;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var reachability = new StorageReachability(settings.ConnectionString!);
        DurableEngineLog.Starting(logger, settings.HubName, settings.WorkerId, registry.Orchestrators.Count, registry.Activities.Count);
        _ = Task.Run(() => RunAsync(settings.HubName, reachability, _stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        TaskHubWorker? worker;
        lock (_gate)
        {
            // A host may be stopped twice (a test host's dispose after its stop); the second changes nothing.
            if (_stopRequested)
            {
                return;
            }

            _stopRequested = true;
            worker = _worker;
        }

        DurableEngineLog.Stopping(logger);
        try
        {
            await _stopping.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // Disposed while this stop ran (a test host disposes and stops concurrently): the worker went with it.
            return;
        }

        if (worker is null)
        {
            // Not started: nothing to drain. A start attempt still waiting on Storage stops its worker itself.
            DurableEngineLog.Stopped(logger);
            return;
        }

        try
        {
            // A graceful stop waits a second per dispatcher while its fetchers poll, even with nothing to drain; with
            // nothing running there is nothing to wait for (a work item fetched meanwhile comes back after its lease).
            await worker.StopAsync(isForced: functionServices.InFlight == 0).WaitAsync(StopTimeout, timeProvider, cancellationToken);
            DurableEngineLog.Stopped(logger);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            DurableEngineLog.StopTimedOut(logger, StopTimeout);
        }
        catch (Exception e)
        {
            // Stopping must not fail the host's shutdown; the leases then expire on their own.
            DurableEngineLog.StopFailed(logger, e);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopRequested = true;
            _worker?.Dispose();
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(string hubName, StorageReachability reachability, CancellationToken cancellationToken)
    {
        var worker = registry.CreateWorker(service, functionServices);
        var delay = FirstRetryDelay;
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await reachability.CheckAsync(cancellationToken);

                // StartAsync creates the task hub's queues, tables and containers if they are missing.
                await worker.StartAsync();
                bool stopRequested;
                lock (_gate)
                {
                    stopRequested = _stopRequested;
                    _worker = stopRequested ? null : worker;
                }

                if (stopRequested)
                {
                    await worker.StopAsync(isForced: true);
                    return;
                }

                DurableEngineLog.Started(logger, hubName, attempt);
                return;
            }
            catch (Exception e)
            {
                DurableEngineLog.StartFailed(logger, e, hubName, attempt, delay);
            }

            try
            {
                await Task.Delay(delay, timeProvider, cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }
}
