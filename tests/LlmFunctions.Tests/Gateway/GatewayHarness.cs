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

    private GatewayHarness(ServiceProvider services, IConfiguration configuration, SimulatorServer simulator, TimeProvider time, bool ownsSimulator = true)
    {
        _services = services;
        _configuration = configuration;
        _ownsSimulator = ownsSimulator;
        Simulator = simulator;
        Clock = time;
    }

    public IServiceProvider Services => _services;

    public SimulatorServer Simulator { get; }

    /// <summary>Gets the gateway's fake clock; only for a harness started with fake time (the default).</summary>
    public FakeTimeProvider Time => (FakeTimeProvider)Clock;

    /// <summary>Gets the gateway's clock.</summary>
    public TimeProvider Clock { get; }

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
        return await StartWithScenarioAsync(azurite, json.ToJsonString(), settings, SimulatorClock.Real);
    }

    /// <summary>Starts the gateway against a scenario given as JSON. The gateway's clock is fake unless
    /// <paramref name="clock"/> is <see cref="SimulatorClock.RealForBoth"/>; the simulator plays on real time, or on the
    /// gateway's fake clock (for a scenario with no latencies: a flap's phases follow the test's clock).</summary>
    public static async Task<GatewayHarness> StartWithScenarioAsync(
        AzuriteFixture azurite,
        string scenarioJson,
        IDictionary<string, string?> settings,
        SimulatorClock clock)
    {
        TimeProvider time = clock == SimulatorClock.RealForBoth
            ? TimeProvider.System
            : new FakeTimeProvider(new DateTimeOffset(2026, 2, 25, 9, 0, 0, TimeSpan.Zero));
        var simulator = await SimulatorServer.StartAsync(
            SimulatorScenario.Parse(scenarioJson),
            new SimulatorServerOptions { TimeProvider = clock == SimulatorClock.GatewayFake ? time : TimeProvider.System });

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

    private static ServiceProvider BuildServices(IConfiguration configuration, TimeProvider time)
    {
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(time)
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
            Deadline = Clock.GetUtcNow().AddMinutes(2),
        };
        return await RunAsync(request, cancellationToken);
    }

    /// <summary>Runs one request to its finish, advancing fake time over each backoff (waiting it out on real time).</summary>
    public async Task<PromptRunStep> RunAsync(PromptRequest request, CancellationToken cancellationToken = default)
    {
        var state = await Runner.StartAsync(request, cancellationToken);
        while (true)
        {
            var step = await Runner.RunAsync(state, cancellationToken);
            if (step.Decision is not WaitThenRetry wait)
            {
                return step;
            }

            var delay = wait.Until - Clock.GetUtcNow();
            if (delay > TimeSpan.Zero && Clock is FakeTimeProvider fake)
            {
                fake.Advance(delay);
            }
            else if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
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

/// <summary>Which clock the simulator and the gateway play on.</summary>
internal enum SimulatorClock
{
    /// <summary>The simulator on real time, the gateway on fake time.</summary>
    Real,

    /// <summary>Both on the gateway's fake time.</summary>
    GatewayFake,

    /// <summary>Both on real time (for a measure of real waits against a real deadline).</summary>
    RealForBoth,
}
