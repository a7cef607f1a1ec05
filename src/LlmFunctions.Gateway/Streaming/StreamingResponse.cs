using LlmFunctions.Providers;

namespace LlmFunctions.Streaming;

/// <summary>
/// A provider's stream that has produced its first token: the chunks read so far are replayed first, then each next
/// event is read only when asked for (nothing is buffered ahead). Each read waits at most the provider's attempt
/// timeout. Disposing it closes the connection, which is how the provider learns the caller has gone.
/// </summary>
public sealed class StreamingResponse : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _body;
    private readonly SseEventReader _reader;
    private readonly StreamDialect _dialect;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly Func<string, string> _redact;
    private readonly List<StreamChunk> _pending = [];
    private int _next;
    private bool _done;

    internal StreamingResponse(HttpResponseMessage response, Stream body, StreamDialect dialect, TimeProvider time, TimeSpan idleTimeout, Func<string, string> redact)
    {
        _response = response;
        _body = body;
        _reader = new SseEventReader(body);
        _dialect = dialect;
        _time = time;
        _idleTimeout = idleTimeout;
        _redact = redact;
        RateLimitHeaders = ProviderAdapterBase.RateLimitHeaders(response.Headers);
    }

    /// <summary>Gets the stream's <c>x-ratelimit-*</c> response headers, for the classifier.</summary>
    public IReadOnlyDictionary<string, string> RateLimitHeaders { get; }

    /// <summary>Gets a value indicating whether a relayed chunk carried <c>usage</c>.</summary>
    public bool SawUsage { get; private set; }

    /// <summary>Gets the characters of content in the chunks handed out.</summary>
    public long ContentChars { get; private set; }

    /// <summary>Gets how many chunks have been handed out.</summary>
    public int ChunksRead { get; private set; }

    /// <summary>Reads the next chunk to relay, or null after the provider's end marker. A stream that ends without
    /// it, stalls, sends an error event or an event that is not JSON throws, for the classifier.</summary>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The chunk, or null at the end.</returns>
    public async ValueTask<StreamChunk?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_next < _pending.Count)
            {
                var chunk = _pending[_next++];
                SawUsage |= chunk.HasUsage;
                ContentChars += chunk.ContentChars;
                ChunksRead++;
                return chunk;
            }

            if (_done)
            {
                return null;
            }

            _pending.Clear();
            _next = 0;
            using var idle = new CancellationTokenSource(_idleTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
            SseEvent? sse;
            try
            {
                sse = await _reader.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new StreamFailureException(StreamFailure.IdleTimeout, "the stream stalled", timeout: _idleTimeout);
            }

            if (sse is null)
            {
                throw new StreamFailureException(StreamFailure.EndedWithoutDone, "the stream ended without [DONE]");
            }

            _done = Read(sse.Value);
        }
    }

    /// <summary>Reads until an event carries a token; the events read are kept for <see cref="ReadAsync"/>.</summary>
    internal async Task ReadToFirstTokenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var sse = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new StreamFailureException(StreamFailure.EndedBeforeFirstToken, "the stream ended before the first token");
            var before = _pending.Count;
            _done = Read(sse);
            for (var i = before; i < _pending.Count; i++)
            {
                if (_pending[i].HasToken)
                {
                    return;
                }
            }

            if (_done)
            {
                throw new StreamFailureException(StreamFailure.EndedBeforeFirstToken, "the stream ended ([DONE]) before the first token");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _body.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
    }

    // Error events carry the provider's words: redact them before they reach a reason or a log.
    private bool Read(SseEvent sse)
    {
        try
        {
            return _dialect.Read(sse, _pending);
        }
        catch (StreamFailureException ex) when (ex.Failure == StreamFailure.ErrorEvent)
        {
            var excerpt = _redact(ex.Message);
            throw new StreamFailureException(ex.Failure, excerpt.Length <= 512 ? excerpt : excerpt[..512], ex.Status);
        }
    }
}
