using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace LlmFunctions.Tests.Infrastructure;

/// <summary>
/// A real TCP forwarder that a test can cut: it listens on free 127.0.0.1 ports and forwards each connection to a
/// target port. <see cref="BlockAsync"/> closes the listeners and resets every open connection, so the client sees
/// what it sees when a server is gone (connection refused, connection reset); <see cref="UnblockAsync"/> listens again
/// on the same ports.
/// </summary>
internal sealed partial class TcpFaultProxy : IAsyncDisposable
{
    private readonly List<Route> _routes = [];
    private readonly Lock _gate = new();
    private readonly HashSet<Connection> _connections = [];
    private bool _blocked;

    private TcpFaultProxy()
    {
    }

    /// <summary>Gets the connection string to give the app: the storage account's, with every endpoint through the proxy.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Gets whether the proxy is blocked.</summary>
    public bool IsBlocked
    {
        get
        {
            lock (_gate)
            {
                return _blocked;
            }
        }
    }

    /// <summary>Gets how many connections were forwarded so far.</summary>
    public int ConnectionsAccepted => _routes.Sum(r => Volatile.Read(ref r.Accepted));

    /// <summary>Starts a proxy in front of every endpoint (<c>BlobEndpoint</c>, <c>QueueEndpoint</c>, <c>TableEndpoint</c>)
    /// of an explicit-endpoint storage connection string on 127.0.0.1, such as Azurite's.</summary>
    /// <param name="connectionString">The storage connection string.</param>
    /// <returns>The proxy; <see cref="ConnectionString"/> points at it.</returns>
    public static TcpFaultProxy ForStorage(string connectionString)
    {
        var proxy = new TcpFaultProxy();
        try
        {
            proxy.ConnectionString = EndpointSetting().Replace(connectionString, m =>
            {
                var target = new Uri(m.Groups["url"].Value);
                if (!IPAddress.TryParse(target.Host, out var address) || !IPAddress.IsLoopback(address))
                {
                    throw new ArgumentException($"{m.Groups["name"].Value} must be on 127.0.0.1 (traffic stays local)", nameof(connectionString));
                }

                var route = new Route(new IPEndPoint(address, target.Port));
                proxy._routes.Add(route);
                proxy.Listen(route);
                var through = new UriBuilder(target) { Port = route.Port }.Uri.ToString().TrimEnd('/');
                return string.Create(CultureInfo.InvariantCulture, $"{m.Groups["name"].Value}={through}");
            });
            return proxy._routes.Count > 0
                ? proxy
                : throw new ArgumentException("the connection string names no endpoint to proxy", nameof(connectionString));
        }
        catch
        {
            proxy.BlockAsync().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Closes the listeners (new connections are refused) and resets every open connection.</summary>
    /// <returns>A task that completes when nothing is listening or connected any more.</returns>
    public async Task BlockAsync()
    {
        List<Connection> open;
        lock (_gate)
        {
            if (_blocked)
            {
                return;
            }

            _blocked = true;
            open = [.. _connections];
            _connections.Clear();
        }

        foreach (var route in _routes)
        {
            route.Listener?.Stop();
        }

        foreach (var connection in open)
        {
            connection.Abort();
        }

        await Task.WhenAll(_routes.Select(r => r.AcceptLoop ?? Task.CompletedTask));
    }

    /// <summary>Listens again on the same ports.</summary>
    /// <returns>A task that completes when every port listens.</returns>
    /// <summary>
    /// Refuses connections for exactly <paramref name="duration"/> (a fault of fixed length, as Polly's chaos strategies
    /// inject one), running <paramref name="check"/> at its start and then every <paramref name="every"/> while it lasts;
    /// the connections are still refused when this returns (call <see cref="UnblockAsync"/>).
    /// </summary>
    /// <returns>How many times <paramref name="check"/> ran.</returns>
    public async Task<int> BlockForAsync(TimeSpan duration, TimeSpan every, Func<int, Task> check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        await BlockAsync();
        var blocked = System.Diagnostics.Stopwatch.StartNew();
        var checks = 0;
        using var ticks = new PeriodicTimer(every);
        do
        {
            await check(++checks);
        }
        while (blocked.Elapsed + every < duration && await ticks.WaitForNextTickAsync(cancellationToken));

        var left = duration - blocked.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, cancellationToken);
        }

        return checks;
    }

    public Task UnblockAsync()
    {
        lock (_gate)
        {
            if (!_blocked)
            {
                return Task.CompletedTask;
            }

            _blocked = false;
        }

        foreach (var route in _routes)
        {
            Listen(route);
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await BlockAsync();

    private void Listen(Route route)
    {
        var listener = new TcpListener(IPAddress.Loopback, route.Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        route.Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        route.Listener = listener;
        route.AcceptLoop = AcceptAsync(route, listener);
    }

    private async Task AcceptAsync(Route route, TcpListener listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Stopped by BlockAsync.
                return;
            }

            Interlocked.Increment(ref route.Accepted);
            _ = ForwardAsync(route, client);
        }
    }

    private async Task ForwardAsync(Route route, Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        var connection = new Connection(client, upstream);
        lock (_gate)
        {
            if (_blocked)
            {
                connection.Abort();
                return;
            }

            _connections.Add(connection);
        }

        try
        {
            await upstream.ConnectAsync(route.Target);
            await Task.WhenAll(PumpAsync(client, upstream, connection), PumpAsync(upstream, client, connection));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            connection.Abort();
        }
        finally
        {
            lock (_gate)
            {
                _connections.Remove(connection);
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, Connection connection)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // One side broke: break the other too, as a dead server would.
            connection.Abort();
        }
    }

    [GeneratedRegex(@"(?<name>BlobEndpoint|QueueEndpoint|TableEndpoint)=(?<url>[^;]+)", RegexOptions.CultureInvariant)]
    private static partial Regex EndpointSetting();

    private sealed class Route(IPEndPoint target)
    {
        public int Accepted;

        public IPEndPoint Target { get; } = target;

        // 0 until the first listen picks a free port; the same port afterwards.
        public int Port { get; set; }

        public TcpListener? Listener { get; set; }

        public Task? AcceptLoop { get; set; }
    }

    private sealed class Connection(Socket client, Socket upstream)
    {
        private int _aborted;

        // Linger 0: the close sends RST, as a crashed server's kernel would, instead of a graceful FIN.
        public void Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) != 0)
            {
                return;
            }

            foreach (var socket in new[] { client, upstream })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Already closed.
                }
            }
        }
    }
}
