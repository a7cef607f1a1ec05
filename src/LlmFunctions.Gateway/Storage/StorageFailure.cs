using System.Net.Sockets;
using Azure;

namespace LlmFunctions.Storage;

/// <summary>Tells a Storage call that failed because the account could not be reached or did not answer in time from
/// one that Storage refused.</summary>
public static class StorageFailure
{
    /// <summary>
    /// Whether <paramref name="exception"/> says Storage is unreachable, overloaded or too slow: no answer (status 0), 408,
    /// 429 or a 5xx, a refused or broken connection, a network timeout, or the SDK's <see cref="AggregateException"/>
    /// after its retries ("Retry failed after N tries") when every try failed that way.
    /// </summary>
    /// <param name="exception">The exception.</param>
    /// <returns>True when the failure is Storage being unavailable.</returns>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        null => false,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnavailable),
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or SocketException or TimeoutException or IOException => true,
        OperationCanceledException { InnerException: TimeoutException } => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };

    /// <summary>A short description of an unavailable-storage failure for a response or a log: the network error or the
    /// status, never the message (which carries the account's URL).</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>For example <c>ConnectionError</c>, <c>HTTP 503</c> or <c>TimeoutException</c>.</returns>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = exception; e is not null; e = e is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[^1] : e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException http:
                    return http.HttpRequestError.ToString();
                case SocketException socket:
                    return socket.SocketErrorCode.ToString();
                case RequestFailedException { Status: > 0 } failed:
                    return $"HTTP {failed.Status}";
            }
        }

        return exception.GetType().Name;
    }
}
