using LlmFunctions.Classification;
using LlmFunctions.Providers;
using LlmFunctions.Security;
using LlmFunctions.Simulator;
using LlmFunctions.Tests.Simulator;
using Microsoft.Extensions.Configuration;

namespace LlmFunctions.Tests.Providers;

/// <summary>
/// <see cref="ProviderCaller"/> against the real provider simulator over HTTP on 127.0.0.1: the catalog routes
/// built-in providers to the simulator, each simulated provider plays one behaviour, and every outcome must come
/// back classified (never thrown) with the simulator seeing each call exactly once.
/// </summary>
public sealed class ProviderCallerSimulatorTests
{
    private const string Scenario = """
        {
          "seed": 7,
          "providers": [
            { "name": "Groq", "api": "openai" },
            { "name": "Cloudflare", "api": "cloudflare" },
            { "name": "Scaleway", "api": "openai", "status": 403 },
            { "name": "DeepSeek", "api": "openai", "status": 402 },
            { "name": "Kluster", "api": "openai", "status": 404 },
            { "name": "SambaNova", "api": "openai", "rateLimit": { "requestsPerWindow": 1, "windowSeconds": 60, "retryAfter": "seconds" } },
            { "name": "Cerebras", "api": "openai", "faults": [ { "kind": "rateLimitBody500", "rate": 1 } ] },
            { "name": "Hyperbolic", "api": "openai", "faults": [ { "kind": "hang", "rate": 1, "ms": 60000 } ] },
            { "name": "Novita", "api": "openai", "faults": [ { "kind": "reset", "rate": 1 } ] },
            { "name": "Fireworks", "api": "openai", "faults": [ { "kind": "malformed", "rate": 1 } ] },
            { "name": "Nebius", "api": "openai", "faults": [ { "kind": "hang", "rate": 1, "ms": 60000 } ] }
          ]
        }
        """;

    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallAsync_OpenAiCompatibleProvider_SucceedsWithEchoedCompletion()
    {
        await using var fixture = await Fixture.StartAsync();

        var result = await fixture.CallAsync("Groq", "hello from the caller test");

        Assert.Equal(ErrorClass.Success, result.Outcome.Class);
        Assert.Equal(200, result.Outcome.HttpStatus);
        Assert.NotNull(result.Completion);
        Assert.StartsWith("[Groq/llama-3.3-70b-versatile]", result.Completion.Content, StringComparison.Ordinal);
        Assert.Contains("echo: hello from the caller test", result.Completion.Content, StringComparison.Ordinal);
        fixture.AssertCalledOnce("Groq", SimulatorOutcomes.Ok);
    }

    [Fact]
    public async Task CallAsync_CloudflareProvider_SucceedsWithEchoedCompletion()
    {
        await using var fixture = await Fixture.StartAsync();

        var result = await fixture.CallAsync("Cloudflare", "hello cloudflare");

        Assert.Equal(ProviderKind.CloudflareWorkersAi, fixture.Catalog.Find("Cloudflare")!.Kind);
        Assert.Equal(ErrorClass.Success, result.Outcome.Class);
        Assert.NotNull(result.Completion);
        Assert.StartsWith("[Cloudflare/@cf/meta/llama-3.1-8b-instruct]", result.Completion.Content, StringComparison.Ordinal);
        Assert.Contains("echo: hello cloudflare", result.Completion.Content, StringComparison.Ordinal);
        fixture.AssertCalledOnce("Cloudflare", SimulatorOutcomes.Ok);
    }

    [Theory]
    [InlineData("Scaleway", 403, ErrorClass.AuthFailed)]
    [InlineData("DeepSeek", 402, ErrorClass.QuotaExhausted)]
    [InlineData("Kluster", 404, ErrorClass.NotFound)]
    public async Task CallAsync_PermanentStatus_ClassifiedWithStatusKept(string provider, int status, ErrorClass expected)
    {
        await using var fixture = await Fixture.StartAsync();

        var result = await fixture.CallAsync(provider);

        Assert.Equal(expected, result.Outcome.Class);
        Assert.Equal(status, result.Outcome.HttpStatus);
        Assert.True(result.Outcome.IsPermanentProviderFailure);
        Assert.Contains($"HTTP {status}", result.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(result.Completion);
        fixture.AssertCalledOnce(provider, SimulatorOutcomes.ForStatus(status));
    }

    [Fact]
    public async Task CallAsync_429WithRetryAfter_RateLimitedWithRetryAt()
    {
        await using var fixture = await Fixture.StartAsync();

        var first = await fixture.CallAsync("SambaNova");
        var before = DateTimeOffset.UtcNow;
        var second = await fixture.CallAsync("SambaNova");
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(ErrorClass.Success, first.Outcome.Class);
        Assert.Equal(ErrorClass.RateLimited, second.Outcome.Class);
        Assert.Equal(429, second.Outcome.HttpStatus);
        Assert.NotNull(second.Outcome.RetryAt);
        Assert.InRange(second.Outcome.RetryAt.Value, before.AddSeconds(55), after.AddSeconds(61));
        Assert.Contains("retry after", second.Outcome.Reason, StringComparison.Ordinal);

        var stats = fixture.Simulator.Stats.For("SambaNova");
        Assert.Equal(2, stats.Calls);
        Assert.Equal(1, stats.Count(SimulatorOutcomes.Ok));
        Assert.Equal(1, stats.Count(SimulatorOutcomes.RateLimited));
    }

    [Fact]
    public async Task CallAsync_500WithRateLimitBody_RateLimited()
    {
        await using var fixture = await Fixture.StartAsync();

        var result = await fixture.CallAsync("Cerebras");

        Assert.Equal(ErrorClass.RateLimited, result.Outcome.Class);
        Assert.Equal(500, result.Outcome.HttpStatus);
        Assert.Contains("rate limit in body", result.Outcome.Reason, StringComparison.Ordinal);
        fixture.AssertCalledOnce("Cerebras", SimulatorOutcomes.RateLimitBody500);
    }

    [Fact]
    public async Task CallAsync_HangPastProviderTimeout_TransientWithTimeoutReason()
    {
        await using var fixture = await Fixture.StartAsync(new Dictionary<string, string?>
        {
            ["LlmFunctions:Providers:Hyperbolic:TimeoutSeconds"] = "0.2",
        });

        var result = await fixture.CallAsync("Hyperbolic");

        Assert.Equal(ErrorClass.Transient, result.Outcome.Class);
        Assert.Null(result.Outcome.HttpStatus);
        Assert.Equal("timeout after 200ms", result.Outcome.Reason);
        Assert.InRange(result.Duration, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(20));
        Assert.Equal(1, fixture.Simulator.Stats.For("Hyperbolic").Calls);
    }

    [Fact]
    public async Task CallAsync_ConnectionReset_Transient()
    {
        await using var fixture = await Fixture.StartAsync();

        var result = await fixture.CallAsync("Novita");

        Assert.Equal(ErrorClass.Transient, result.Outcome.Class);
        Assert.Null(result.Outcome.HttpStatus);
        Assert.True(result.Outcome.CountsAsCircuitFailure);
        fixture.AssertCalledOnce("Novita", SimulatorOutcomes.Reset);
    }

    [Fact]
    public async Task CallAsync_TruncatedJsonBody_MalformedResponse()
    {
        await using var fixture = await Fixture.StartAsync();

        var result = await fixture.CallAsync("Fireworks");

        Assert.Equal(ErrorClass.MalformedResponse, result.Outcome.Class);
        Assert.Equal(200, result.Outcome.HttpStatus);
        Assert.Null(result.Completion);
        fixture.AssertCalledOnce("Fireworks", SimulatorOutcomes.Malformed);
    }

    [Fact]
    public async Task CallAsync_CallerCancelsMidFlight_Cancelled()
    {
        await using var fixture = await Fixture.StartAsync();
        using var cancellation = new CancellationTokenSource();

        var call = fixture.CallAsync("Nebius", cancellationToken: cancellation.Token);
        await SimulatorTestHost.WaitUntilAsync(() => fixture.Simulator.Stats.For("Nebius").Calls == 1, "the simulator to receive the call");
        await cancellation.CancelAsync();
        var result = await call.WaitAsync(TestTimeout);

        Assert.Equal(ErrorClass.Cancelled, result.Outcome.Class);
        Assert.Equal("cancelled by caller", result.Outcome.Reason);
        Assert.False(result.Outcome.CountsAsCircuitFailure);
        Assert.Equal(1, fixture.Simulator.Stats.For("Nebius").Calls);
    }

    [Fact]
    public async Task CallAsync_ApiKeyConfigured_KeyIsSentAndNeverInReason()
    {
        const string key = "gsk_callertestsecret0123456789";
        await using var fixture = await Fixture.StartAsync(new Dictionary<string, string?> { ["DEEPSEEK_API_KEY"] = key });

        var result = await fixture.CallAsync("DeepSeek");

        Assert.Equal(ErrorClass.QuotaExhausted, result.Outcome.Class);
        Assert.DoesNotContain(key, result.Outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(key, result.Outcome.BodyExcerpt ?? string.Empty, StringComparison.Ordinal);
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly HttpClient _http;

        private Fixture(SimulatorServer simulator, ProviderCatalog catalog, HttpClient http, ProviderCaller caller)
        {
            Simulator = simulator;
            Catalog = catalog;
            _http = http;
            Caller = caller;
        }

        public SimulatorServer Simulator { get; }

        public ProviderCatalog Catalog { get; }

        public ProviderCaller Caller { get; }

        public static async Task<Fixture> StartAsync(IDictionary<string, string?>? settings = null)
        {
            var simulator = await SimulatorTestHost.StartAsync(Scenario);
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    [ProviderCatalog.SimulatorBaseUrlSetting] = simulator.BaseAddress.ToString(),
                })
                .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
                .Build();
            var catalog = ProviderCatalog.Load(configuration);
            var redactor = new SecretRedactor(catalog.SecretValues);
            var http = ProviderHttpHandler.CreateClient();
            var caller = new ProviderCaller(catalog, http, new ErrorClassifier(TimeProvider.System, redactor), redactor, TimeProvider.System);
            return new Fixture(simulator, catalog, http, caller);
        }

        public async Task<AttemptResult> CallAsync(string provider, string prompt = "hello", CancellationToken cancellationToken = default)
        {
            var descriptor = Catalog.Find(provider) ?? throw new InvalidOperationException($"{provider} is not in the catalog");
            var request = new ChatRequest([new ChatMessage("system", "be brief"), new ChatMessage("user", prompt)], descriptor.Models[0]);
            return await Caller.CallAsync(descriptor, request, cancellationToken).WaitAsync(TestTimeout, CancellationToken.None);
        }

        public void AssertCalledOnce(string provider, string outcome)
        {
            var stats = Simulator.Stats.For(provider);
            Assert.Equal(1, stats.Calls);
            Assert.Equal(1, stats.Count(outcome));
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await Simulator.DisposeAsync();
        }
    }
}
