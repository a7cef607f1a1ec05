using LlmFunctions.FunctionApp.Http;
using LlmFunctions.Storage;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// Answers 503 with <c>Retry-After</c> when the durable engine's storage cannot be reached, instead of a 500: the
/// caller can come back, and nothing was started.
/// </summary>
internal static class StorageUnavailable
{
    /// <summary>How long a caller is asked to wait before trying again.</summary>
    public const int RetryAfterSeconds = 10;

    /// <summary>Runs <paramref name="action"/>; a storage failure becomes a 503.</summary>
    /// <param name="action">The durable client calls.</param>
    /// <returns>The action's result, or the 503.</returns>
    public static async Task<IResult> GuardAsync(Func<Task<IResult>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action();
        }
        catch (Exception ex) when (IsStorageFailure(ex))
        {
            var message = $"the durable task store cannot be reached ({(ex is Grpc.Core.RpcException rpc ? rpc.StatusCode.ToString() : StorageFailure.Describe(ex))}); nothing was started; retry after {RetryAfterSeconds} s";
            return OpenAiError.Result(StatusCodes.Status503ServiceUnavailable, OpenAiError.ServerError, message, code: "storage_unavailable", retryAfterSeconds: RetryAfterSeconds);
        }
    }

    /// <summary>Whether <paramref name="exception"/> says the durable task store could not be reached: Azure Storage
    /// unavailable (the standalone host's DTFx client, see <see cref="StorageFailure"/>), or the Functions host's durable
    /// client (gRPC) reporting its backend unavailable.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>True when it is a storage failure.</returns>
    public static bool IsStorageFailure(Exception exception) =>
        StorageFailure.IsUnavailable(exception)
        || exception is Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded };
}
