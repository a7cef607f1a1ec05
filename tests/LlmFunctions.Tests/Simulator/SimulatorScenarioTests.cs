using LlmFunctions.Simulator;
using static LlmFunctions.Tests.Simulator.SimulatorTestHost;

namespace LlmFunctions.Tests.Simulator;

public sealed class SimulatorScenarioTests
{
    private static readonly string[] NotFound = ["Novita", "Fireworks", "OpenRouter", "Cerebras"];
    private static readonly string[] PaymentRequired = ["DeepSeek", "Hyperbolic", "HuggingFace"];
    private static readonly string[] RateLimited = ["Groq", "SambaNova", "GitHubModels"];

    [Theory]
    [InlineData("{ not json", "(root): invalid JSON")]
    [InlineData("""{ "providers": [ { "api": "openai" } ] }""", "providers[0].name: is required")]
    [InlineData("""{ "providers": [ { "name": "A" } ] }""", "providers[0].api: is required")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "grpc" } ] }""", "providers[0].api: must be \"openai\" or \"cloudflare\", was \"grpc\"")]
    [InlineData(
        """{ "providers": [ { "name": "A", "api": "openai" }, { "name": "B", "api": "openai", "faults": [ { "kind": "reset", "rate": 1.5 } ] } ] }""",
        "providers[1].faults[0].rate: must be between 0 and 1, was 1.5")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai", "faults": [ { "kind": "reset", "rate": -0.1 } ] } ] }""", "providers[0].faults[0].rate: must be between 0 and 1")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai", "latencyMs": { "fixed": -5 } } ] }""", "providers[0].latencyMs.fixed: must not be negative, was -5")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai", "errorLatencyMs": { "median": 500, "p95": 100 } } ] }""", "providers[0].errorLatencyMs.p95: must be at least the median 500, was 100")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai", "faults": [ { "kind": "explode", "rate": 0.1 } ] } ] }""", "providers[0].faults[0].kind: unknown fault kind \"explode\"")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai" }, { "name": "A", "api": "openai" } ] }""", "providers[1].name: duplicate provider name \"A\"")]
    [InlineData("""{ "timeScale": 0, "providers": [] }""", "timeScale: must be greater than 0, was 0")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai", "latencyMS": { "fixed": 5 } } ] }""", "providers[0].latencyMS: unknown field")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai", "rateLimit": { "windowSeconds": 60 } } ] }""", "providers[0].rateLimit.requestsPerWindow: is required")]
    [InlineData("""{ "providers": [ { "name": "A", "api": "openai", "status": "403" } ] }""", "providers[0].status: must be an integer")]
    [InlineData("""{ "description": "no providers" }""", "providers: is required")]
    public void Parse_InvalidScenario_ThrowsNamingTheField(string json, string expectedPrefix)
    {
        var ex = Assert.Throws<SimulatorScenarioException>(() => SimulatorScenario.Parse(json));

        Assert.StartsWith(expectedPrefix, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FullProvider_ReadsEveryField()
    {
        var scenario = SimulatorScenario.Parse("""
            { "seed": 7, "timeScale": 0.01, "providers": [ {
                "name": "Groq", "api": "openai", "apiKey": "k", "maxPromptChars": 7000,
                "latencyMs": { "median": 300, "p95": 900 },
                "rateLimit": { "requestsPerWindow": 30, "windowSeconds": 60, "retryAfter": "date", "resetHeaders": true },
                "quota": { "requests": 500, "status": 402 },
                "faults": [ { "kind": "hang", "rate": 0.01, "ms": 5000 } ] } ] }
            """);

        var groq = Assert.Single(scenario.Providers);
        Assert.Equal(7, scenario.Seed);
        Assert.Equal(0.01, scenario.TimeScale);
        Assert.Equal(SimulatorApi.OpenAi, groq.Api);
        Assert.Equal(900, groq.Latency?.P95Ms);
        Assert.Equal(RetryAfterStyle.Date, groq.RateLimit?.RetryAfter);
        Assert.True(groq.RateLimit?.ResetHeaders);
        Assert.Equal(402, groq.Quota?.Status);
        Assert.Equal(FaultKind.Hang, Assert.Single(groq.Faults).Kind);
        Assert.Equal(5000, groq.Faults[0].Ms);
    }

    [Fact]
    public void Load_MissingFile_ThrowsScenarioException() =>
        Assert.Throws<SimulatorScenarioException>(() => SimulatorScenario.Load(Path.Combine(Path.GetTempPath(), "no-such-scenario.json")));

    [Fact]
    public void Load_Seed003_HasThe13IncidentProviders()
    {
        var scenario = SimulatorScenario.Load(RepoFile("scenarios/seed-003.json"));

        Assert.Equal(13, scenario.Providers.Count);
        Assert.False(string.IsNullOrWhiteSpace(scenario.Description));
        Assert.All(scenario.Providers, p => Assert.Equal(7000, p.MaxPromptChars));
        int? StatusOf(string name) => scenario.Providers.Single(p => p.Name == name).Status;
        Assert.Equal(403, StatusOf("Scaleway"));
        Assert.Equal(403, StatusOf("Kluster"));
        Assert.All(NotFound, n => Assert.Equal(404, StatusOf(n)));
        Assert.All(PaymentRequired, n => Assert.Equal(402, StatusOf(n)));
        Assert.All(RateLimited, n =>
        {
            var provider = scenario.Providers.Single(p => p.Name == n);
            Assert.Null(provider.Status);
            Assert.NotNull(provider.RateLimit);
            Assert.Equal(429, provider.Quota?.Status);
        });
        Assert.Equal(SimulatorApi.Cloudflare, scenario.Providers.Single(p => p.Name == "Cloudflare").Api);
    }

    [Fact]
    public void Load_DevFleet_HasAll14CatalogProviders()
    {
        var scenario = SimulatorScenario.Load(RepoFile("scenarios/dev-fleet.json"));

        Assert.Equal(14, scenario.Providers.Count);
        Assert.Contains(scenario.Providers, p => p.Name == "Nebius");
        Assert.Contains(scenario.Providers, p => p.RateLimit is not null);
    }

    [Fact]
    public async Task Seed003_PromptOf7000Chars_IsRejectedByCloudflare()
    {
        await using var server = await StartAsync(File.ReadAllText(RepoFile("scenarios/seed-003.json")));
        using var client = Client(server);

        using var response = await PostCloudflareAsync(client, server, "Cloudflare", new string('x', 7001));

        Assert.Equal(422, (int)response.StatusCode);
    }

    [Fact]
    public async Task Healthy_EveryProvider_Answers200()
    {
        var scenario = SimulatorScenario.Load(RepoFile("scenarios/healthy.json"));
        await using var server = await SimulatorServer.StartAsync(scenario);
        using var client = Client(server);

        foreach (var provider in scenario.Providers)
        {
            using var response = provider.Api == SimulatorApi.Cloudflare
                ? await PostCloudflareAsync(client, server, provider.Name)
                : await PostOpenAiAsync(client, server, provider.Name);
            Assert.Equal(200, (int)response.StatusCode);
        }
    }
}
