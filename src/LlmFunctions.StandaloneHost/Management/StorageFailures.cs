using System.Net.Sockets;
using Azure;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>Tells storage being unreachable or overloaded (a 503 for the caller) from other failures.</summary>
internal static class StorageFailures
{
    public static bool IsUnavailable(Exception exception) => Flatten(exception).Any(e => e switch
    {
        RequestFailedException rfe => rfe.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or SocketException or TimeoutException => true,
        _ => false,
    });

    /// <summary>Storage refused the request as malformed (HTTP 400), e.g. for a continuation key it cannot use.</summary>
    public static bool IsBadRequest(Exception exception) =>
        Flatten(exception).Any(e => e is RequestFailedException { Status: 400 });

    /// <summary>Storage's status for a log line: never the message, which can carry URLs.</summary>
    public static int? StatusOf(Exception exception) =>
        Flatten(exception).OfType<RequestFailedException>().Select(e => (int?)e.Status).FirstOrDefault();

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        var pending = new Stack<Exception>();
        pending.Push(exception);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
