using System.Net;
using System.Net.Sockets;
using System.Text;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.StandaloneHost.Management;

public sealed class StorageUnavailableTests
{
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Unreachable_storage_is_503_with_Retry_After_never_500()
    {
        var port = ClosedPort();
        var endpoint = $"http://127.0.0.1:{port}/{AzuriteFixture.AccountName}";
        var connectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};" +
            $"BlobEndpoint={endpoint};QueueEndpoint={endpoint};TableEndpoint={endpoint};";
        await using var harness = await ManagementHarness.StartAsync(connectionString, runWorker: false, createTaskHub: false);

        foreach (var response in new[]
        {
            await harness.GetAsync("instances/some-id"),
            await harness.GetAsync("instances?top=5"),
            await harness.PostAsync("instances/some-id/raiseEvent/go", new StringContent("1", Encoding.UTF8, "application/json")),
        })
        {
            var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("unreachable", body.GetProperty("Message").GetString(), StringComparison.Ordinal);
            Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        }
    }
}
