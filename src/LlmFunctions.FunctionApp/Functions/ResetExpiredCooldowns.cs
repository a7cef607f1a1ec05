using LlmFunctions.Health;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Timer trigger <c>ResetExpiredCooldowns</c> (NCRONTAB schedule from the app setting
/// <c>ResetExpiredCooldownsSchedule</c>, every minute by default): lifts every expired cooldown and disable and moves
/// every expired open circuit to HALF_OPEN, so the next call is a single probe. One host runs each occurrence.
/// </summary>
/// <param name="health">The health store.</param>
/// <param name="logger">The logger.</param>
public sealed partial class ResetExpiredCooldowns(ProviderHealthStore health, ILogger<ResetExpiredCooldowns> logger)
{
    /// <summary>The app setting holding the schedule.</summary>
    public const string ScheduleSetting = "ResetExpiredCooldownsSchedule";

    /// <summary>Runs one sweep on the schedule.</summary>
    /// <param name="timer">The timer's schedule status.</param>
    /// <param name="cancellationToken">Stops the sweep when the host stops.</param>
    /// <returns>A task that completes when the sweep is done.</returns>
    [Function(nameof(ResetExpiredCooldowns))]
    public Task Run([TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        _ = timer;
        return SweepAsync(cancellationToken);
    }

    /// <summary>Lifts every expired gate once.</summary>
    /// <param name="cancellationToken">Stops the sweep.</param>
    /// <returns>How many gates were lifted.</returns>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var changes = await health.ResetExpiredAsync(cancellationToken);
        foreach (var change in changes)
        {
            var before = change.Previous;
            var after = change.Current;
            LogLifted(
                logger,
                change.Key.Provider,
                change.Key.Model,
                change.FromCircuit,
                change.ToCircuit,
                before.CooldownUntil is not null && after.CooldownUntil is null,
                before.DisabledUntil is not null && after.DisabledUntil is null);
        }

        LogSwept(logger, changes.Count);
        return changes.Count;
    }

    [LoggerMessage(EventId = 5101, EventName = "ExpiredGateLifted", Level = LogLevel.Information,
        Message = "Expired gate of {Provider}/{Model} lifted: circuit {From} -> {To}, cooldown lifted {CooldownLifted}, disable lifted {DisableLifted}")]
    private static partial void LogLifted(ILogger logger, string provider, string model, CircuitState from, CircuitState to, bool cooldownLifted, bool disableLifted);

    [LoggerMessage(EventId = 5102, EventName = "ExpiredGatesSwept", Level = LogLevel.Debug,
        Message = "ResetExpiredCooldowns lifted {Count} expired gates")]
    private static partial void LogSwept(ILogger logger, int count);
}
