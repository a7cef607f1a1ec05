using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LlmFunctions.Bench;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of one Azurite service that counts the HTTP requests passing through it, by
/// operation (<see cref="StorageOperations.Classify"/>). Bytes are forwarded as they arrive; the client-to-server
/// stream is also read by a small HTTP/1.1 framer (request line, <c>Content-Length</c> or chunked body), so each
/// request on a kept-alive connection is counted once. Responses are copied without being read.
/// </summary>
internal sealed class StorageProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly string _service;
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private StorageProxy(string service, IPEndPoint target)
    {
        _service = service;
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static StorageProxy Start(string service, Uri target) =>
        new(service, new IPEndPoint(IPAddress.Parse(target.Host), target.Port));

    /// <summary>The requests counted so far, by operation.</summary>
    public Dictionary<string, long> Snapshot() => _counts.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client), CancellationToken.None);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var c = client;
        using var server = new TcpClient();
        c.NoDelay = true;
        server.NoDelay = true;
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            var clientStream = c.GetStream();
            var serverStream = server.GetStream();
            var up = ForwardRequestsAsync(clientStream, serverStream);
            var down = serverStream.CopyToAsync(clientStream, _stop.Token);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection closed by either side.
        }
    }

    private async Task ForwardRequestsAsync(Stream from, Stream to)
    {
        var framer = new RequestFramer(line => _counts.AddOrUpdate(StorageOperations.Classify(_service, line), 1, (_, n) => n + 1));
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            framer.Feed(buffer.AsSpan(0, read));
        }
    }

    /// <summary>Finds request boundaries in an HTTP/1.1 request stream and reports each request line.</summary>
    private sealed class RequestFramer(Action<string> onRequest)
    {
        private readonly List<byte> _line = [];
        private State _state = State.RequestLine;
        private string _requestLine = "";
        private long _contentLength;
        private bool _chunked;
        private long _remaining;

        private enum State
        {
            RequestLine,
            Headers,
            Body,
            ChunkSize,
            ChunkData,
            Trailer,
        }

        public void Feed(ReadOnlySpan<byte> data)
        {
            var i = 0;
            while (i < data.Length)
            {
                if (_state is State.Body or State.ChunkData)
                {
                    var take = (int)Math.Min(_remaining, data.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = _state == State.Body ? State.RequestLine : State.ChunkSize;
                    }

                    continue;
                }

                var b = data[i++];
                if (b != (byte)'\n')
                {
                    if (b != (byte)'\r')
                    {
                        _line.Add(b);
                    }

                    continue;
                }

                var line = Encoding.ASCII.GetString([.. _line]);
                _line.Clear();
                OnLine(line);
            }
        }

        private void OnLine(string line)
        {
            switch (_state)
            {
                case State.RequestLine when line.Length > 0:
                    _requestLine = line;
                    _contentLength = 0;
                    _chunked = false;
                    _state = State.Headers;
                    break;
                case State.Headers when line.Length > 0:
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        var name = line.AsSpan(0, colon).Trim();
                        var value = line.AsSpan(colon + 1).Trim();
                        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                        {
                            _contentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                        }
                        else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                        {
                            _chunked = true;
                        }
                    }

                    break;
                case State.Headers:
                    onRequest(_requestLine);
                    if (_chunked)
                    {
                        _state = State.ChunkSize;
                    }
                    else if (_contentLength > 0)
                    {
                        _remaining = _contentLength;
                        _state = State.Body;
                    }
                    else
                    {
                        _state = State.RequestLine;
                    }

                    break;
                case State.ChunkSize when line.Length > 0:
                    var size = Convert.ToInt64(line.Split(';')[0].Trim(), 16);
                    if (size == 0)
                    {
                        _state = State.Trailer;
                    }
                    else
                    {
                        // The chunk's data and its closing CRLF.
                        _remaining = size + 2;
                        _state = State.ChunkData;
                    }

                    break;
                case State.Trailer when line.Length == 0:
                    _state = State.RequestLine;
                    break;
            }
        }
    }
}

/// <summary>Names an Azure Storage REST request by what it does, from its request line.</summary>
internal static class StorageOperations
{
    public static string Classify(string service, string requestLine)
    {
        var parts = requestLine.Split(' ');
        if (parts.Length < 2)
        {
            return $"{service}: ?";
        }

        var method = parts[0];
        var target = parts[1];
        var q = target.IndexOf('?', StringComparison.Ordinal);
        var query = q >= 0 ? target[(q + 1)..] : "";
        var path = Uri.UnescapeDataString(q >= 0 ? target[..q] : target);

        // Path-style: /devstoreaccount1/<resource>...
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        var comp = query.Split('&').Select(p => p.Split('=')).FirstOrDefault(p => p[0] == "comp") is { Length: 2 } c ? c[1] : null;
        return service switch
        {
            "queue" => segments switch
            {
                [_, "messages"] when method == "GET" => "queue: get messages",
                [_, "messages"] when method == "POST" => "queue: put message",
                [_, "messages", _] when method == "DELETE" => "queue: delete message",
                [_, "messages", _] when method == "PUT" => "queue: update message",
                [_] when method == "PUT" => "queue: create queue",
                _ => $"queue: {method} {(comp is null ? "" : "comp=" + comp)}".TrimEnd(),
            },
            "table" => segments switch
            {
                ["$batch"] => "table: batch",
                [var t] when t.StartsWith("Tables", StringComparison.Ordinal) => $"table: {method} table",
                [var entity] when entity.EndsWith(')') && entity.Contains("PartitionKey", StringComparison.Ordinal) => method switch
                {
                    "GET" => "table: get entity",
                    "PUT" => "table: replace entity",
                    "MERGE" or "PATCH" => "table: merge entity",
                    "DELETE" => "table: delete entity",
                    _ => $"table: {method} entity",
                },
                [_] when method == "GET" => "table: query",
                [_] when method == "POST" => "table: insert entity",
                _ => $"table: {method}",
            },
            _ => comp switch
            {
                "lease" => "blob: lease",
                "list" => "blob: list",
                "metadata" => $"blob: {method} metadata",
                _ => $"blob: {method}",
            },
        };
    }
}

/// <summary>Counting proxies in front of Azurite's three services for one host, and the connection string to them.</summary>
internal sealed class StorageCounters : IAsyncDisposable
{
    private readonly StorageProxy[] _proxies;

    private StorageCounters(StorageProxy blob, StorageProxy queue, StorageProxy table)
    {
        _proxies = [blob, queue, table];
        ConnectionString = Azurite.ConnectionString(Local(blob), Local(queue), Local(table));
    }

    /// <summary>The connection string the host is given: every request goes through the proxies.</summary>
    public string ConnectionString { get; }

    public static StorageCounters Start(AzuriteAccount azurite) =>
        new(StorageProxy.Start("blob", azurite.Blob), StorageProxy.Start("queue", azurite.Queue), StorageProxy.Start("table", azurite.Table));

    /// <summary>Every proxy's counts so far, by operation.</summary>
    public Dictionary<string, long> Snapshot() =>
        _proxies.SelectMany(p => p.Snapshot()).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _proxies)
        {
            await p.DisposeAsync();
        }
    }

    private static Uri Local(StorageProxy proxy) => new($"http://127.0.0.1:{proxy.Port}/");
}
