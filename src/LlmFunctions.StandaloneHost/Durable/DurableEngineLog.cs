namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>The durable engine's log events.</summary>
internal static partial class DurableEngineLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Durable engine starting: task hub {HubName}, worker {WorkerId}, {Orchestrators} orchestrator(s), {Activities} activity function(s)")]
    public static partial void Starting(ILogger logger, string hubName, string workerId, int orchestrators, int activities);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Durable engine started on task hub {HubName} after {Attempts} attempt(s)")]
    public static partial void Started(ILogger logger, string hubName, int attempts);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Durable engine could not start on task hub {HubName} (attempt {Attempt}); retrying in {RetryDelay}. Is Storage reachable?")]
    public static partial void StartFailed(ILogger logger, Exception exception, string hubName, int attempt, TimeSpan retryDelay);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Durable engine stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Durable engine stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Durable engine did not stop within {Timeout}; in-flight work items are left to their queue visibility timeouts")]
    public static partial void StopTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Error, Message = "Durable engine failed while stopping")]
    public static partial void StopFailed(ILogger logger, Exception exception);
}
