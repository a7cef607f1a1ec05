using System.Text.Json.Nodes;
using Azure.Data.Tables;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;
using LlmFunctions.Storage;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Gateway;

/// <summary>
/// The real gateway core (catalog, adapters, classifier, policy, health store) wired against a real Azurite and the
/// provider simulator. Gateway time is fake; the simulator runs on real time with its scenario scaled down, so
/// latencies take milliseconds while cooldowns are measured in fake hours.
/// </summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly IConfiguration _configuration;
    private readonly bool _ownsSimulator;

    private GatewayHarness(ServiceProvider services, IConfiguration configuration, SimulatorServer simulator, FakeTimeProvider time, bool ownsSimulator = true)
    {
        _services = services;
        _configuration = configuration;
        _ownsSimulator = ownsSimulator;
        Simulator = simulator;
        Time = time;
    }

    public IServiceProvider Services => _services;

    public SimulatorServer Simulator { get; }

    public FakeTimeProvider Time { get; }

    public PromptRunner Runner => _services.GetRequiredService<PromptRunner>();

    public ProviderHealthStore Health => _services.GetRequiredService<ProviderHealthStore>();

    public ProviderHealthCache Cache => _services.GetRequiredService<ProviderHealthCache>();

    public ProviderCatalog Catalog => _services.GetRequiredService<ProviderCatalog>();

    public static async Task<GatewayHarness> StartAsync(
        AzuriteFixture azurite,
        string scenarioFile,
        double timeScale,
        IDictionary<string, string?> settings)
    {
        var json = JsonNode.Parse(File.ReadAllText(SimulatorTestHost.RepoFile(scenarioFile)))!;
        json["timeScale"] = timeScale;
        var simulator = await SimulatorServer.StartAsync(SimulatorScenario.Parse(json.ToJsonString()));

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 2, 25, 9, 0, 0, TimeSpan.Zero));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                [ProviderCatalog.SimulatorBaseUrlSetting] = simulator.BaseAddress.ToString(),
                [HealthOptions.SectionName + ":TableName"] = AzuriteFixture.UniqueTableName(),
            })
            .AddInMemoryCollection(settings)
            .Build();
        return new GatewayHarness(BuildServices(configuration, time), configuration, simulator, time);
    }

    /// <summary>Another host of the same gateway: same configuration (health table, simulator), same fake clock, its
    /// own services (health cache, probes, alert monitor).</summary>
    public GatewayHarness AnotherHost() => new(BuildServices(_configuration, Time), _configuration, Simulator, Time, ownsSimulator: false);

    private static ServiceProvider BuildServices(IConfiguration configuration, FakeTimeProvider time)
    {
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<TimeProvider>(time)
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            // No pause after a write conflict: it waits on the clock, and this clock only moves when a test moves it.
            .AddSingleton(sp => new ProviderHealthStore(
                StorageConnection.CreateClient(configuration, c => new TableServiceClient(c)),
                sp.GetRequiredService<IOptions<HealthOptions>>(),
                time,
                sp.GetRequiredService<ILogger<ProviderHealthStore>>(),
                () => 0,
                ProviderHealthStore.DefaultMaxAttempts))
            .AddLlmFunctionsGateway(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>Runs one request to its finish, advancing fake time over each backoff instead of sleeping.</summary>
    public async Task<PromptRunStep> RunAsync(string prompt, CancellationToken cancellationToken = default)
    {
        var request = new PromptRequest
        {
            Messages = [new ChatMessage("user", prompt)],
            Deadline = Time.GetUtcNow().AddMinutes(2),
        };
        var state = await Runner.StartAsync(request, cancellationToken);
        while (true)
        {
            var step = await Runner.RunAsync(state, cancellationToken);
            if (step.Decision is not WaitThenRetry wait)
            {
                return step;
            }

            var delay = wait.Until - Time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                Time.Advance(delay);
            }

            state = step.State;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (_ownsSimulator)
        {
            await Simulator.DisposeAsync();
        }
    }
}
