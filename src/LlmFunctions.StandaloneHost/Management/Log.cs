namespace LlmFunctions.StandaloneHost.Management;

/// <summary>The management API's log events.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning,
        Message = "Durable management API {Method} {Route}: storage unavailable ({ExceptionType}, storage status {StorageStatus}); answered 503")]
    public static partial void StorageUnavailable(ILogger logger, string method, string route, string exceptionType, int? storageStatus);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error,
        Message = "Durable management API {Method} {Route} failed unexpectedly ({ExceptionType}); answered 500")]
    public static partial void UnexpectedFailure(ILogger logger, string method, string route, string exceptionType, Exception exception);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error,
        Message = "Durable management API: instance {InstanceId} has an unknown runtime status {RuntimeStatus}; answered 500")]
    public static partial void UnknownRuntimeStatus(ILogger logger, string instanceId, int runtimeStatus);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information,
        Message = "Durable management API: {Operation} of instance {InstanceId} requested")]
    public static partial void OperationRequested(ILogger logger, string operation, string instanceId);
}
