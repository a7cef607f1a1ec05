namespace LlmFunctions.Simulator;

/// <summary>How a rate-limited answer tells the client when to come back.</summary>
public enum RetryAfterStyle
{
    /// <summary><c>Retry-After: 12</c> (whole seconds, rounded up).</summary>
    Seconds,

    /// <summary><c>Retry-After: Wed, 21 Oct 2015 07:28:00 GMT</c> (RFC 7231 HTTP date).</summary>
    Date,

    /// <summary>No <c>Retry-After</c> header.</summary>
    None,
}
