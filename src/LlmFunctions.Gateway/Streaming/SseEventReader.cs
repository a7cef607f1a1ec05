using System.Text;

namespace LlmFunctions.Streaming;

/// <summary>One server-sent event: its <c>event:</c> type (null for the default) and its <c>data:</c> lines joined.</summary>
/// <param name="Type">The event type, when the provider named one (e.g. <c>error</c>).</param>
/// <param name="Data">The data.</param>
public readonly record struct SseEvent(string? Type, string Data);

/// <summary>Reads server-sent events from a response body as they arrive (an event is returned as soon as its blank
/// line is read; nothing waits for more). Comments (keep-alives) and <c>id:</c>/<c>retry:</c> fields are skipped.</summary>
/// <param name="body">The body; not owned.</param>
internal sealed class SseEventReader(Stream body) : IDisposable
{
    // The longest event kept; a provider sending more in one event is broken, not verbose.
    private const int MaxEventChars = 1024 * 1024;
    private readonly StreamReader _reader = new(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
    private readonly StringBuilder _data = new();
    private string? _type;

    /// <summary>Reads the next event, or null when the body ends (a last event without its blank line still counts).</summary>
    public async ValueTask<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return _data.Length > 0 ? Take() : null;
            }

            if (line.Length == 0)
            {
                if (_data.Length > 0)
                {
                    return Take();
                }

                _type = null;
                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                var value = line.AsSpan(5);
                if (_data.Length > 0)
                {
                    _data.Append('\n');
                }

                _data.Append(value.StartsWith(" ") ? value[1..] : value);
                if (_data.Length > MaxEventChars)
                {
                    throw new StreamFailureException(StreamFailure.Malformed, $"an event longer than {MaxEventChars} characters");
                }
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                _type = line[6..].Trim();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();

    private SseEvent Take()
    {
        var result = new SseEvent(_type, _data.ToString());
        _data.Clear();
        _type = null;
        return result;
    }
}
