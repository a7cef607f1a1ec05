using System.Net.Http.Headers;

namespace LlmFunctions.Cli.Batch;

/// <summary>How far one gateway request got, which decides whether sending it again is safe.</summary>
internal enum GatewayAnswerKind
{
    /// <summary>The gateway answered the request itself (any status but a 202 hand-off).</summary>
    Answered,

    /// <summary>No connection could be made (refused, name or TLS failure): the gateway never saw the request.</summary>
    NotDelivered,

    /// <summary>The gateway accepted the request (202) and its durable instance was followed to its end, or until
    /// polling gave up: the work was done, or may still be running.</summary>
    Followed,

    /// <summary>The request went out but its answer was lost or unreadable (a client-side timeout, a connection cut
    /// mid-answer, a body that is not the gateway's): the gateway may have done the work.</summary>
    Lost,
}

/// <summary>One gateway request's outcome: the record it makes, and what the retry rule judges it by.</summary>
/// <param name="Record">The outcome as it would be recorded.</param>
/// <param name="Kind">How far the request got.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header of the gateway's answer to the request, if it had one.</param>
internal sealed record GatewayAnswer(ResultRecord Record, GatewayAnswerKind Kind, RetryConditionHeaderValue? RetryAfter = null);
