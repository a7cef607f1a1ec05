extern alias StandaloneHost;

using System.Net;
using System.Text.Json;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using StandaloneProgram = StandaloneHost::Program;

namespace LlmFunctions.Tests.FunctionApp;

/// <summary>
/// The function app end to end: the real <c>Program</c> (host.json, settings, validation, routes) hosted in-process,
/// backed by a real Azurite and, where the providers are needed, the provider simulator on 127.0.0.1.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class FunctionAppHostTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Secret = "gsk_secretvalue1234567890";
    private const string Scenario = """
        { "providers": [ { "name": "Groq", "api": "openai" }, { "name": "Cloudflare", "api": "cloudflare" } ] }
        """;

    private SimulatorServer? _simulator;

    private SimulatorServer Simulator => _simulator ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _simulator = await SimulatorTestHost.StartAsync(Scenario);

    public async Task DisposeAsync()
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }

    [Fact]
    public async Task GetHealth_StorageReachable_200Healthy()
    {
        await using var host = new AppFactory(SimulatorSettings());
        using var client = host.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
        var json = await JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.Equal("ok", json.GetProperty("storage").GetString());
        Assert.Equal(BuiltInProviders.All.Count - 1, json.GetProperty("providers").GetInt32());
        Assert.Equal(1, json.GetProperty("skippedProviders").GetInt32());
    }

    [Fact]
    public async Task GetProviders_SimulatorMode_ListsAvailableProvidersAndSkippedWithReason()
    {
        await using var host = new AppFactory(SimulatorSettings());
        using var client = host.CreateClient();

        var json = await GetProvidersAsync(client);

        Assert.Equal(Simulator.BaseAddress.ToString(), json.GetProperty("simulator").GetString());
        var groq = Provider(json, "Groq");
        Assert.Equal("OpenAiCompatible", groq.GetProperty("kind").GetString());
        var model = Assert.Single(groq.GetProperty("models").EnumerateArray());
        Assert.Equal("llama-3.3-70b-versatile", model.GetProperty("model").GetString());
        // Never called yet: its first call is a single probe.
        Assert.Equal("ProbeAvailable", model.GetProperty("availability").GetString());
        Assert.Equal("CloudflareWorkersAi", Provider(json, "Cloudflare").GetProperty("kind").GetString());
        Assert.False(TryProvider(json, "Nebius", out _));

        var skipped = Assert.Single(json.GetProperty("skipped").EnumerateArray());
        Assert.Equal("Nebius", skipped.GetProperty("name").GetString());
        Assert.Equal("LlmFunctions:Providers:Nebius:Enabled is false", skipped.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task GetProviders_NoSimulatorAndOneKey_OnlyKeyedProviderAvailableOthersSkippedNamingTheirSetting()
    {
        await using var host = new AppFactory(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [HealthOptions.SectionName + ":TableName"] = AzuriteFixture.UniqueTableName(),
            [TestHostSettings.TaskHub] = AzuriteFixture.UniqueTableName(),
            ["ResetExpiredCooldownsSchedule"] = "0 0 0 1 1 *",
        ["PruneResponseCacheSchedule"] = "0 0 0 1 1 *",
            ["GROQ_API_KEY"] = Secret,
        });
        using var client = host.CreateClient();

        var json = await GetProvidersAsync(client);

        var provider = Assert.Single(json.GetProperty("providers").EnumerateArray());
        Assert.Equal("Groq", provider.GetProperty("name").GetString());
        var skipped = json.GetProperty("skipped").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("reason").GetString());
        Assert.Equal(BuiltInProviders.All.Count - 1, skipped.Count);
        Assert.Equal("CEREBRAS_API_KEY is not set", skipped["Cerebras"]);
        Assert.Equal("CLOUDFLARE_API_TOKEN is not set", skipped["Cloudflare"]);
    }

    [Fact]
    public async Task PostDisableEnableReset_KnownProvider_StateFollowsEachOperation()
    {
        await using var host = new AppFactory(SimulatorSettings());
        using var client = host.CreateClient();

        using (var disable = await PostAsync(client, "/api/providers/groq/disable?minutes=5&reason=x"))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
            var body = await JsonAsync(disable);
            Assert.Equal("Groq", body.GetProperty("provider").GetString());
            Assert.Equal("disable", body.GetProperty("operation").GetString());
            Assert.Equal("Disabled", Assert.Single(body.GetProperty("models").EnumerateArray()).GetProperty("availability").GetString());
        }

        var disabled = GroqModel(await GetProvidersAsync(client));
        Assert.Equal("Disabled", disabled.GetProperty("availability").GetString());
        Assert.Equal("disabled by an operator: x", disabled.GetProperty("disabledReason").GetString());
        Assert.Equal("disabled by an operator: x", disabled.GetProperty("reason").GetString());
        var until = disabled.GetProperty("disabledUntil").GetDateTimeOffset();
        Assert.InRange(until - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.5));

        using (var enable = await PostAsync(client, "/api/providers/Groq/enable"))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        // Enabled and never called: callable, its first call a single probe.
        var enabled = GroqModel(await GetProvidersAsync(client));
        Assert.Equal("ProbeAvailable", enabled.GetProperty("availability").GetString());
        Assert.Equal(JsonValueKind.Null, enabled.GetProperty("disabledUntil").ValueKind);

        using (var disableAgain = await PostAsync(client, "/api/providers/Groq/disable"))
        {
            Assert.Equal(HttpStatusCode.OK, disableAgain.StatusCode);
        }

        Assert.Equal("Disabled", GroqModel(await GetProvidersAsync(client)).GetProperty("availability").GetString());
        using (var reset = await PostAsync(client, "/api/providers/Groq/reset"))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
            Assert.Equal("reset", (await JsonAsync(reset)).GetProperty("operation").GetString());
        }

        var afterReset = GroqModel(await GetProvidersAsync(client));
        Assert.Equal("ProbeAvailable", afterReset.GetProperty("availability").GetString());
        Assert.Equal("Closed", afterReset.GetProperty("circuit").GetString());
    }

    [Fact]
    public async Task PostDisable_UnknownProvider_404NamingIt()
    {
        await using var host = new AppFactory(SimulatorSettings());
        using var client = host.CreateClient();

        using var response = await PostAsync(client, "/api/providers/NoSuchProvider/disable");
        var error = (await JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("name", error.GetProperty("param").GetString());
        Assert.Contains("'NoSuchProvider'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostReset_SkippedProvider_404SayingWhyItIsSkipped()
    {
        await using var host = new AppFactory(SimulatorSettings());
        using var client = host.CreateClient();

        using var response = await PostAsync(client, "/api/providers/nebius/reset");
        var error = (await JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("name", error.GetProperty("param").GetString());
        Assert.Contains("LlmFunctions:Providers:Nebius:Enabled is false", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("1000000000")]
    [InlineData("1.5")]
    public async Task PostDisable_BadMinutes_400NamingMinutes(string minutes)
    {
        await using var host = new AppFactory(SimulatorSettings());
        using var client = host.CreateClient();

        using var response = await PostAsync(client, $"/api/providers/Groq/disable?minutes={Uri.EscapeDataString(minutes)}");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("minutes", text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text);
        Assert.Equal("minutes", document.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("ProbeAvailable", GroqModel(await GetProvidersAsync(client)).GetProperty("availability").GetString());
        Assert.Equal(JsonValueKind.Null, GroqModel(await GetProvidersAsync(client)).GetProperty("disabledUntil").ValueKind);
    }

    [Theory]
    [InlineData("LlmFunctions:Providers:Groq:TimeoutSeconds", "-5")]
    [InlineData("LlmFunctions:Providers:Groq:MaxPromptChars", "0")]
    [InlineData("LlmFunctions:Health:FailureThreshold", "0")]
    [InlineData("LlmFunctions:Failover:MaxAttemptsPerProvider", "0")]
    [InlineData("AzureWebJobsStorage", "")]
    public async Task HostStart_BadSetting_FailsNamingTheSetting(string setting, string value)
    {
        var settings = SimulatorSettings();
        settings[setting] = value;

        var exception = await FunctionAppStartup.FailureAsync(settings);

        Assert.NotNull(exception);
        Assert.Contains(setting, exception.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HostStart_CustomProviderWithoutModelsAgainstSimulator_FailsNamingTheProviderAndModels()
    {
        var settings = SimulatorSettings();
        settings["LlmFunctions:Providers:MyProxy:Priority"] = "5";

        var exception = await FunctionAppStartup.FailureAsync(settings);

        Assert.IsType<ProviderCatalogException>(exception);
        Assert.Contains("LlmFunctions:Providers:MyProxy", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Models", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyResponse_ApiKeyInConfiguration_NeverInBody()
    {
        var settings = SimulatorSettings();
        settings["GROQ_API_KEY"] = Secret;
        await using var host = new AppFactory(settings);
        using var client = host.CreateClient();

        var bodies = new List<string>();
        foreach (var get in new[] { "/api/health", "/api/providers" })
        {
            using var response = await client.GetAsync(new Uri(get, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        foreach (var post in new[]
        {
            "/api/providers/Groq/disable?minutes=5&reason=maintenance",
            "/api/providers/Groq/enable",
            "/api/providers/Groq/reset",
            "/api/providers/Groq/disable?minutes=abc",
            "/api/providers/Groq/frobnicate",
            "/api/providers/Groq/reset?model=nope",
            "/api/providers/Nebius/reset",
        })
        {
            using var response = await PostAsync(client, post);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.Contains(bodies, b => b.Contains("Groq", StringComparison.Ordinal));
        Assert.All(bodies, b => Assert.DoesNotContain(Secret, b, StringComparison.Ordinal));
        Assert.All(bodies, b => Assert.DoesNotContain(AzuriteFixture.AccountKey, b, StringComparison.Ordinal));
    }

    private Dictionary<string, string?> SimulatorSettings() => new()
    {
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        [ProviderCatalog.SimulatorBaseUrlSetting] = Simulator.BaseAddress.ToString(),
        [HealthOptions.SectionName + ":TableName"] = AzuriteFixture.UniqueTableName(),
        [TestHostSettings.TaskHub] = AzuriteFixture.UniqueTableName(),
        ["ResetExpiredCooldownsSchedule"] = "0 0 0 1 1 *",
        ["PruneResponseCacheSchedule"] = "0 0 0 1 1 *",
        ["LlmFunctions:Providers:Nebius:Enabled"] = "false",
    };

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path) =>
        client.PostAsync(new Uri(path, UriKind.Relative), content: null);

    private static async Task<JsonElement> GetProvidersAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/api/providers", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static JsonElement GroqModel(JsonElement providers) =>
        Assert.Single(Provider(providers, "Groq").GetProperty("models").EnumerateArray());

    private static JsonElement Provider(JsonElement providers, string name) =>
        TryProvider(providers, name, out var provider) ? provider : throw new Xunit.Sdk.XunitException($"{name} is not listed");

    private static bool TryProvider(JsonElement providers, string name, out JsonElement provider)
    {
        foreach (var candidate in providers.GetProperty("providers").EnumerateArray())
        {
            if (candidate.GetProperty("name").GetString() == name)
            {
                provider = candidate;
                return true;
            }
        }

        provider = default;
        return false;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>The real Program with the test's settings layered last, so they win over host.json and the environment.</summary>
    private sealed class AppFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<StandaloneProgram>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
        }
    }
}
