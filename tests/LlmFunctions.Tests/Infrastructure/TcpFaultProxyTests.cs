using System.Diagnostics;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;

namespace LlmFunctions.Tests.Infrastructure;

/// <summary>The fault proxy in front of the real Azurite: it forwards, it cuts like a dead server, and it comes back on
/// the same ports.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class TcpFaultProxyTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Proxy_ForwardsThenRefusesWhileBlockedThenForwardsAgainOnTheSamePorts()
    {
        await using var proxy = TcpFaultProxy.ForStorage(azurite.ConnectionString);
        Assert.DoesNotContain(azurite.TableEndpoint.GetLeftPart(UriPartial.Authority), proxy.ConnectionString, StringComparison.Ordinal);
        var service = new TableServiceClient(proxy.ConnectionString, new TableClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(10) } });
        var table = service.GetTableClient(AzuriteFixture.UniqueTableName());
        await table.CreateAsync();
        await table.AddEntityAsync(new TableEntity("p", "before"));
        var accepted = proxy.ConnectionsAccepted;
        Assert.True(accepted > 0, "the requests went through the proxy");

        await proxy.BlockAsync();
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "during")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refused at once, not after {clock.Elapsed}");
        Assert.Equal(0, refused.Status);
        var socket = FindInner<SocketException>(refused);
        Assert.NotNull(socket);
        Assert.Equal(SocketError.ConnectionRefused, socket.SocketErrorCode);

        await proxy.UnblockAsync();
        // The same client, so the same connection string: the proxy listens on the ports it had.
        await table.AddEntityAsync(new TableEntity("p", "after"));
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row.RowKey);
        }

        Assert.Equal(["after", "before"], rows.Order(StringComparer.Ordinal));
        Assert.True(proxy.ConnectionsAccepted > accepted, "the request after the block went through the proxy again");
    }

    [Fact]
    public async Task Block_ResetsAnOpenConnection()
    {
        await using var proxy = TcpFaultProxy.ForStorage(azurite.ConnectionString);
        var port = new Uri(System.Text.RegularExpressions.Regex.Match(proxy.ConnectionString, "TableEndpoint=([^;]+)").Groups[1].Value).Port;
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await Eventually.WaitAsync(() => proxy.ConnectionsAccepted == 1, TimeSpan.FromSeconds(5), "the proxy accepted the connection");

        await proxy.BlockAsync();
        var buffer = new byte[16];

        // A reset fails the read; a graceful close would read 0 bytes, an open connection would time out.
        await Assert.ThrowsAnyAsync<IOException>(() => stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
    }

    private static T? FindInner<T>(Exception exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
