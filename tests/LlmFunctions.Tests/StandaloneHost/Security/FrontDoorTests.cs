extern alias StandaloneHost;

using System.Net;
using System.Text;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using StandaloneHost::LlmFunctions.StandaloneHost;

namespace LlmFunctions.Tests.StandaloneHost.Security;

/// <summary>The standalone host's front door beyond keys: start-up without keys, cross-site requests, management
/// links, and per-key rate limits.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class FrontDoorTests(AzuriteFixture azurite)
{
    private const string Provider = "Groq";
    private static readonly string OneHealthy = ChatApp.Scenario((Provider, ""));

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://127.0.0.1:0;http://[::]:0")]
    public async Task Start_NoKeyAndListeningBeyondLoopback_IsRefusedNamingTheSetting(string urls)
    {
        await using var simulator = await SimulatorTestHost.StartAsync(OneHealthy);
        var settings = TestHostSettings.For(azurite.ConnectionString, simulator, "keys-test-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromMilliseconds(100));
        await using var app = StandaloneApp.Build(["--urls", urls], settings);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("LlmFunctions:Keys:Master", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoKeyOnLoopback_ServesAnonymousCallers()
    {
        await using var simulator = await SimulatorTestHost.StartAsync(OneHealthy);
        var settings = TestHostSettings.For(azurite.ConnectionString, simulator, "keys-test-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromMilliseconds(100));
        await using var app = StandaloneApp.Build(["--urls", "http://127.0.0.1:0"], settings);
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

            using var response = await client.GetAsync(new Uri("/api/providers", UriKind.Relative));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Start_KeysAndListeningBeyondLoopback_Starts()
    {
        await using var simulator = await SimulatorTestHost.StartAsync(OneHealthy);
        var settings = TestHostSettings.For(azurite.ConnectionString, simulator, "keys-test-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromMilliseconds(100));
        foreach (var (key, value) in HostKeysRouteTests.KeySettings)
        {
            settings[key] = value;
        }

        await using var app = StandaloneApp.Build(["--urls", "http://0.0.0.0:0"], settings);
        await app.StartAsync();
        var port = new Uri(app.Urls.Single().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using var anonymous = await client.GetAsync(new Uri("/api/providers", UriKind.Relative));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/providers");
            request.Headers.Add("x-functions-key", HostKeysRouteTests.FunctionKey);
            using var keyed = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Theory]
    [InlineData("Origin", "https://evil.example", "application/json", HttpStatusCode.Forbidden)]
    [InlineData("Origin", "null", "application/json", HttpStatusCode.Forbidden)]
    [InlineData("Sec-Fetch-Site", "cross-site", "application/json", HttpStatusCode.Forbidden)]
    [InlineData(null, null, "text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(null, null, "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    public async Task ProviderDisable_CrossSiteShapedRequest_IsRefusedAndChangesNothing(string? header, string? value, string contentType, HttpStatusCode expected)
    {
        // No keys: a browser on this machine is exactly who could be tricked into sending this.
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy);
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/providers/{Provider}/disable?minutes=525600")
        {
            Content = new StringContent("x", Encoding.UTF8, contentType),
        };
        if (header is not null)
        {
            request.Headers.Add(header, value);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        await HostKeysRouteTests.AssertOpenAiErrorAsync(response);
        var health = await app.Health.GetAsync(new(Provider, app.Catalog.Find(Provider)!.Models[0]));
        Assert.Null(health.DisabledUntil);
    }

    [Fact]
    public async Task ProviderDisable_SameOriginOrAllowedOrigin_IsServed()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, new Dictionary<string, string?> { ["LlmFunctions:Http:AllowedOrigins"] = "https://ops.example" });
        using var client = app.Client();

        foreach (var origin in new[] { "http://localhost", "https://ops.example" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/providers/{Provider}/disable");
            request.Headers.Add("Origin", origin);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Cors_NotConfigured_NoAllowOriginHeaderEvenForTheAppsOwnRoutes()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy);
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/providers");
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_ConfiguredOrigin_IsAnsweredForItOnly()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, new Dictionary<string, string?> { ["LlmFunctions:Http:AllowedOrigins"] = "https://ops.example" });
        using var client = app.Client();

        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/api/providers");
        allowed.Headers.Add("Origin", "https://ops.example");
        using var other = new HttpRequestMessage(HttpMethod.Get, "/api/providers");
        other.Headers.Add("Origin", "https://evil.example");

        using var allowedResponse = await client.SendAsync(allowed);
        using var otherResponse = await client.SendAsync(other);

        Assert.Equal("https://ops.example", allowedResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(otherResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData(null, "evil.example", "/runtime/webhooks/durabletask/instances/")]
    [InlineData(null, "localhost:7071", "http://localhost:7071/runtime/webhooks/durabletask/instances/")]
    [InlineData("https://gateway.example.org/llm", "evil.example", "https://gateway.example.org/llm/runtime/webhooks/durabletask/instances/")]
    public async Task StartPrompt_HostHeader_NeverReachesTheManagementLinks(string? publicBaseUrl, string host, string expectedPrefix)
    {
        var settings = new Dictionary<string, string?> { ["LlmFunctions:Http:PublicBaseUrl"] = publicBaseUrl };
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, settings);
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/prompts")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = host;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var link in json.RootElement.EnumerateObject().Where(p => p.Name.EndsWith("Uri", StringComparison.Ordinal)))
        {
            Assert.StartsWith(expectedPrefix, link.Value.GetString(), StringComparison.Ordinal);
        }

        Assert.StartsWith(expectedPrefix, response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsPerMinute_OverTheKeysLimit_429WithRetryAfterInOpenAiShape_OtherKeysUnaffected()
    {
        var settings = new Dictionary<string, string?>(HostKeysRouteTests.KeySettings)
        {
            ["LlmFunctions:Keys:Limits:batch:RequestsPerMinute"] = "2",
        };
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, settings);
        using var client = app.Client();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 3; i++)
        {
            last?.Dispose();
            last = await client.SendAsync(Keyed("/api/providers", HostKeysRouteTests.FunctionKey));
            statuses.Add(last.StatusCode);
        }

        using var master = await client.SendAsync(Keyed("/api/providers", HostKeysRouteTests.MasterKey));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        var retryAfter = last!.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter.TotalSeconds, 1, 30);
        var error = await HostKeysRouteTests.AssertOpenAiErrorAsync(last);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("LlmFunctions:Keys:Limits:batch:RequestsPerMinute", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, master.StatusCode);
        last.Dispose();
    }

    [Fact]
    public async Task PromptCharsPerMinute_SecondPromptOverTheRest_429_PromptLargerThanTheMinute_413()
    {
        var settings = new Dictionary<string, string?>(HostKeysRouteTests.KeySettings)
        {
            ["LlmFunctions:Keys:Limits:batch:PromptCharsPerMinute"] = "100",
        };
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, settings);
        using var client = app.Client();

        using var first = await client.SendAsync(Chat(new string('a', 60)));
        using var second = await client.SendAsync(Chat(new string('b', 60)));
        using var huge = await client.SendAsync(Chat(new string('c', 101)));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.InRange(second.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        var error = await HostKeysRouteTests.AssertOpenAiErrorAsync(huge);
        Assert.Equal("messages", error.GetProperty("param").GetString());
    }

    private static HttpRequestMessage Keyed(string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-functions-key", key);
        return request;
    }

    private static HttpRequestMessage Chat(string content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content } } }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("api-key", HostKeysRouteTests.FunctionKey);
        return request;
    }
}
