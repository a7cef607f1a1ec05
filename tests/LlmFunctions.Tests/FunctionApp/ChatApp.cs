extern alias StandaloneHost;

using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Simulator;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmFunctions.Tests.FunctionApp;

/// <summary>The whole function app hosted in memory against Azurite and a provider simulator running the given
/// scenario; only the scenario's providers are enabled. It is the standalone host: the function app's classes on the
/// Durable Task Framework's Azure Storage backend, each test with its own task hub and health table.</summary>
internal sealed class ChatApp : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _values;
    private readonly TimeProvider? _time;

    private ChatApp(WebApplicationFactory<StandaloneHost::Program> factory, SimulatorServer simulator, Dictionary<string, string?> values, TimeProvider? time)
    {
        Factory = factory;
        Simulator = simulator;
        _values = values;
        _time = time;
    }

    public WebApplicationFactory<StandaloneHost::Program> Factory { get; }

    public SimulatorServer Simulator { get; }

    public ProviderHealthStore Health => Factory.Services.GetRequiredService<ProviderHealthStore>();

    public ProviderCatalog Catalog => Factory.Services.GetRequiredService<ProviderCatalog>();

    public string TaskHub => _values[TestHostSettings.TaskHub]!;

    /// <summary>OpenAI-compatible providers named in <paramref name="providers"/>, each built from the JSON fields.</summary>
    public static string Scenario(params (string Name, string Fields)[] providers) =>
        $$"""{ "seed": 1, "providers": [ {{string.Join(",", providers.Select(p => $$"""{ "name": "{{p.Name}}", "api": "openai", "latencyMs": { "fixed": 1 } {{(p.Fields.Length > 0 ? "," : "")}} {{p.Fields}} }"""))}} ] }""";

    /// <summary>Starts the simulator with <paramref name="scenarioJson"/> and a host against it.</summary>
    /// <param name="azurite">The storage.</param>
    /// <param name="scenarioJson">The simulator's scenario; its providers are the enabled ones.</param>
    /// <param name="settings">Settings over the test defaults.</param>
    /// <param name="logs">A logger provider added to the host (e.g. to capture every log line); none when null.</param>
    /// <param name="time">The gateway's clock (a fake one to move past cache lifetimes); the system clock when null.</param>
    public static async Task<ChatApp> StartAsync(
        AzuriteFixture azurite, string scenarioJson, IDictionary<string, string?>? settings = null, ILoggerProvider? logs = null, TimeProvider? time = null)
    {
        var simulator = await SimulatorTestHost.StartAsync(scenarioJson);
        var values = TestHostSettings.For(azurite.ConnectionString, simulator, NewWorkerId(), TimeSpan.FromMilliseconds(100));

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        try
        {
            return new ChatApp(await CreateHostAsync(values, logs, time), simulator, values, time);
        }
        catch
        {
            await simulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts another host of the same app: same storage, task hub, health table, simulator and clock; its own
    /// worker id.</summary>
    public Task<WebApplicationFactory<StandaloneHost::Program>> AnotherHostAsync() =>
        CreateHostAsync(new Dictionary<string, string?>(_values) { [TestHostSettings.WorkerId] = NewWorkerId() }, time: _time);

    private static string NewWorkerId() => "test-host-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<WebApplicationFactory<StandaloneHost::Program>> CreateHostAsync(Dictionary<string, string?> values, ILoggerProvider? logs = null, TimeProvider? time = null)
    {
        var factory = new WebApplicationFactory<StandaloneHost::Program>().WithWebHostBuilder(b =>
        {
            b.ConfigureAppConfiguration((_, c) => c.AddInMemoryCollection(values));
            if (logs is not null)
            {
                b.ConfigureServices(s => s.AddSingleton(logs));
            }

            if (time is not null)
            {
                b.ConfigureServices(s => s.AddSingleton(time));
            }
        });
        try
        {
            _ = factory.Server;
        }
        catch
        {
            // A start-up failure is what some tests assert; do not leak the host with it.
            await factory.DisposeAsync();
            throw;
        }

        return factory;
    }

    public HttpClient Client() => Factory.CreateClient();

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
