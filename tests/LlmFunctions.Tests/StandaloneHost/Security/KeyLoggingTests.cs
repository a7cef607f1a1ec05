extern alias StandaloneHost;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using LlmFunctions.Tests.StandaloneHost.Durable;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace LlmFunctions.Tests.StandaloneHost.Security;

/// <summary>Keys never reach a log: not when accepted, refused, rate limited or sent in the query string.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class KeyLoggingTests(AzuriteFixture azurite)
{
    private const string WrongKey = "wrong-key-fedcba9876543210";

    [Fact]
    public async Task Requests_WithEveryKeyStateAndPlace_NoKeyValueInAnyLogEntry()
    {
        await using var simulator = await SimulatorTestHost.StartAsync(ChatApp.Scenario(("Groq", "")));
        var values = TestHostSettings.For(azurite.ConnectionString, simulator, "keys-log-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromMilliseconds(100));
        foreach (var (key, value) in HostKeysRouteTests.KeySettings)
        {
            values[key] = value;
        }

        values["LlmFunctions:Keys:Limits:batch:RequestsPerMinute"] = "2";
        var logs = new CapturingLoggerProvider();
        await using var factory = new WebApplicationFactory<StandaloneHost::Program>().WithWebHostBuilder(b =>
        {
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(values));
            b.ConfigureLogging(l => l.AddProvider(logs));
        });
        using var client = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();

        foreach (var key in new[] { WrongKey, HostKeysRouteTests.FunctionKey, HostKeysRouteTests.MasterKey })
        {
            using var header = new HttpRequestMessage(HttpMethod.Post, "/api/providers/Groq/enable");
            header.Headers.Add("x-functions-key", key);
            statuses.Add((await client.SendAsync(header)).StatusCode);
            statuses.Add((await client.GetAsync(new Uri($"/api/providers?code={Uri.EscapeDataString(key)}", UriKind.Relative))).StatusCode);
            using var bearer = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            statuses.Add((await client.SendAsync(bearer)).StatusCode);
        }

        using var limited = new HttpRequestMessage(HttpMethod.Get, "/api/providers");
        limited.Headers.Add("api-key", HostKeysRouteTests.FunctionKey);
        limited.Headers.Add("x-functions-key", HostKeysRouteTests.FunctionKey);
        statuses.Add((await client.SendAsync(limited)).StatusCode);

        Assert.Equal(
            [
                HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized,
                HttpStatusCode.Forbidden, HttpStatusCode.OK, HttpStatusCode.OK,
                HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK,
                HttpStatusCode.TooManyRequests,
            ],
            statuses.Take(10));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 5302);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 5303 && e.Message.Contains("master_key_required", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 5303 && e.Message.Contains("rate_limit_exceeded", StringComparison.Ordinal));
        foreach (var secret in new[] { WrongKey, HostKeysRouteTests.FunctionKey, HostKeysRouteTests.MasterKey, Uri.EscapeDataString(HostKeysRouteTests.MasterKey) })
        {
            Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(secret, StringComparison.Ordinal) || (e.Exception?.ToString().Contains(secret, StringComparison.Ordinal) ?? false));
        }
    }
}
