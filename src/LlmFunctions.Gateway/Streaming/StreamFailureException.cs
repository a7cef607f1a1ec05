namespace LlmFunctions.Streaming;

/// <summary>How a provider's stream went wrong (other than the HTTP and network failures the classifier already
/// knows).</summary>
public enum StreamFailure
{
    /// <summary>No content or tool-call delta within the provider's <c>FirstTokenTimeoutSeconds</c>.</summary>
    FirstTokenTimeout,

    /// <summary>No event within the provider's <c>TimeoutSeconds</c> after the first token.</summary>
    IdleTimeout,

    /// <summary>The stream ended (cleanly or not) before any content or tool-call delta.</summary>
    EndedBeforeFirstToken,

    /// <summary>The stream ended after tokens without its end marker (<c>data: [DONE]</c>).</summary>
    EndedWithoutDone,

    /// <summary>An event that is not the expected JSON.</summary>
    Malformed,

    /// <summary>The provider sent an error event in the stream; <see cref="StreamFailureException.Status"/> holds the
    /// status it named, when it named one.</summary>
    ErrorEvent,
}

/// <summary>A provider's stream failed; <c>ErrorClassifier</c> turns it into an outcome like any other failure.</summary>
public sealed class StreamFailureException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="failure">What went wrong.</param>
    /// <param name="detail">A short, secret-free description (for an error event, its redacted excerpt).</param>
    /// <param name="status">For <see cref="StreamFailure.ErrorEvent"/>, the HTTP status the event named, if any.</param>
    /// <param name="timeout">For the timeouts, the limit that passed.</param>
    public StreamFailureException(StreamFailure failure, string detail, int? status = null, TimeSpan? timeout = null)
        : base(detail)
    {
        Failure = failure;
        Status = status;
        Timeout = timeout;
    }

    /// <summary>Initializes a new instance.</summary>
    public StreamFailureException()
        : this(StreamFailure.Malformed, "stream failed")
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public StreamFailureException(string message)
        : this(StreamFailure.Malformed, message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public StreamFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Failure = StreamFailure.Malformed;
    }

    /// <summary>Gets what went wrong.</summary>
    public StreamFailure Failure { get; }

    /// <summary>Gets the status an error event named, if any.</summary>
    public int? Status { get; }

    /// <summary>Gets the limit that passed, for the timeouts.</summary>
    public TimeSpan? Timeout { get; }
}
