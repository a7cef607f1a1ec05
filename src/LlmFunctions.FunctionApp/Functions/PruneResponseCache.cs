using LlmFunctions.Caching;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Timer trigger <c>PruneResponseCache</c> (NCRONTAB schedule from the app setting <c>PruneResponseCacheSchedule</c>,
/// every 15 minutes by default): deletes response cache entries past their keep time, then the oldest until the cache is
/// within <c>LlmFunctions:Cache:MaxTotalBytes</c>. One host runs each occurrence.
/// </summary>
/// <param name="cache">The response cache.</param>
/// <param name="logger">The logger.</param>
public sealed partial class PruneResponseCache(ResponseCache cache, ILogger<PruneResponseCache> logger)
{
    /// <summary>The app setting holding the schedule.</summary>
    public const string ScheduleSetting = "PruneResponseCacheSchedule";

    /// <summary>Runs one prune on the schedule.</summary>
    /// <param name="timer">The timer's schedule status.</param>
    /// <param name="cancellationToken">Stops the prune when the host stops.</param>
    /// <returns>A task that completes when the prune is done.</returns>
    [Function(nameof(PruneResponseCache))]
    public Task Run([TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        _ = timer;
        return PruneAsync(cancellationToken);
    }

    /// <summary>Prunes the cache once.</summary>
    /// <param name="cancellationToken">Stops the prune.</param>
    /// <returns>What was deleted and what is left.</returns>
    internal async Task<CachePruneResult> PruneAsync(CancellationToken cancellationToken)
    {
        var result = await cache.PruneAsync(cancellationToken);
        LogPruned(logger, result.Expired, result.Evicted, result.BytesLeft);
        return result;
    }

    [LoggerMessage(EventId = 5401, EventName = "ResponseCachePruned", Level = LogLevel.Information,
        Message = "PruneResponseCache deleted {Expired} expired and {Evicted} evicted entries; {BytesLeft} bytes left")]
    private static partial void LogPruned(ILogger logger, int expired, int evicted, long bytesLeft);
}
