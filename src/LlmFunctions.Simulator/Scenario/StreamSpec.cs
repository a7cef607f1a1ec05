namespace LlmFunctions.Simulator;

/// <summary>How a provider answers a request with <c>"stream": true</c>: server-sent events in its api's shape.
/// Errors decided before the answer (fixed status, quota, rate limit, faults) are answered as without streaming,
/// as plain JSON before any event.</summary>
public sealed class StreamSpec
{
    internal StreamSpec()
    {
    }

    /// <summary>How many content deltas the answer is split into (0 = a stream that ends cleanly with no content).</summary>
    public int Chunks { get; internal init; } = 5;

    /// <summary>The delay between the role event (sent with the headers) and the first content delta; none when null.</summary>
    public LatencySpec? FirstTokenMs { get; internal init; }

    /// <summary>The delay before each content delta after the first; none when null.</summary>
    public LatencySpec? ChunkLatencyMs { get; internal init; }

    /// <summary>When set, the stream is cut after this many content deltas (0 = before the first token), as
    /// <see cref="CutStyle"/> says.</summary>
    public int? CutAfterChunks { get; internal init; }

    /// <summary>How a cut looks to the client (default <see cref="StreamCutStyle.Reset"/>).</summary>
    public StreamCutStyle CutStyle { get; internal init; } = StreamCutStyle.Reset;

    /// <summary>Whether a usage event is sent when the request asks for one (false: a provider that ignores
    /// <c>stream_options</c>).</summary>
    public bool Usage { get; internal init; } = true;

    /// <summary>When set, the content delta with this 1-based number is sent as invalid JSON.</summary>
    public int? MalformedChunkAt { get; internal init; }
}

/// <summary>How <see cref="StreamSpec.CutAfterChunks"/> ends a stream.</summary>
public enum StreamCutStyle
{
    /// <summary>The connection is aborted (500 ms after the last delta, so the deltas reach the client first).</summary>
    Reset,

    /// <summary>The HTTP response ends normally, with neither a finish event nor <c>[DONE]</c>: a stream a proxy dropped.</summary>
    End,
}
