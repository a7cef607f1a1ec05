using LlmFunctions.Health;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Timer <c>ResetExpiredCooldowns</c> (schedule <c>LlmFunctions:Timers:ResetExpiredCooldowns</c>): lifts every expired
/// cooldown and disable and moves every expired open circuit to HALF_OPEN, so the next call is a single probe.
/// </summary>
internal sealed partial class ResetExpiredCooldowns(ProviderHealthStore health, ILogger<ResetExpiredCooldowns> logger)
{
    public const string Name = nameof(ResetExpiredCooldowns);

    public const string ScheduleSetting = "LlmFunctions:Timers:ResetExpiredCooldowns";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
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
