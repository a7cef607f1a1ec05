using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LlmFunctions.Simulator;

/// <summary>A fleet of fake LLM providers served over HTTP on 127.0.0.1.</summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Fleet _fleet;
    private readonly StatsCounters _stats;
    private readonly CancellationTokenSource _stopping;
    private readonly ReceivedBodies _received;

    private SimulatorServer(WebApplication app, Fleet fleet, StatsCounters stats, ReceivedBodies received, CancellationTokenSource stopping, Uri baseAddress)
    {
        _received = received;
        _app = app;
        _fleet = fleet;
        _stats = stats;
        _stopping = stopping;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The scenario being played.</summary>
    public SimulatorScenario Scenario => _fleet.Scenario;

    /// <summary>A snapshot of the call and outcome counters (also served at <c>GET /_sim/stats</c>).</summary>
    public SimulatorStats Stats => _stats.Snapshot();

    /// <summary>The last request bodies <paramref name="provider"/> received, oldest first, as sent (also served at
    /// <c>GET /_sim/requests/{provider}</c>; at most <see cref="ReceivedBodies.PerProvider"/>).</summary>
    /// <param name="provider">The provider name.</param>
    /// <returns>The bodies as UTF-8 JSON text.</returns>
    public IReadOnlyList<string> ReceivedBodies(string provider) => _received.Of(provider);

    /// <summary>Starts serving a scenario.</summary>
    /// <param name="scenario">The fleet to play.</param>
    /// <param name="options">Port, clock and seed; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    public static async Task<SimulatorServer> StartAsync(
        SimulatorScenario scenario, SimulatorServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        options ??= new SimulatorServerOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(SimulatorServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var fleet = new Fleet(scenario, options.Seed ?? scenario.Seed);
        var stats = new StatsCounters();
        var received = new ReceivedBodies();
        var stopping = new CancellationTokenSource();
        var app = builder.Build();
        SimulatorRoutes.Map(app, new ChatHandler(fleet, stats, received, options.TimeProvider ?? TimeProvider.System, stopping.Token), fleet, stats, received);
        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(address).Port;
            return new SimulatorServer(app, fleet, stats, received, stopping, new Uri($"http://127.0.0.1:{port}/"));
        }
        catch
        {
            await app.DisposeAsync();
            stopping.Dispose();
            throw;
        }
    }

    /// <summary>The OpenAI-compatible base URL of a provider, <c>{base}/{provider}/v1</c>.</summary>
    /// <param name="provider">The provider name.</param>
    /// <returns>The base URL; append <c>/chat/completions</c>.</returns>
    public Uri OpenAiBaseUrl(string provider) => ProviderUrl(provider, "v1");

    /// <summary>The Cloudflare Workers AI base URL of a provider, <c>{base}/{provider}/client/v4</c>.</summary>
    /// <param name="provider">The provider name.</param>
    /// <returns>The base URL; append <c>/accounts/{id}/ai/run/{model}</c>.</returns>
    public Uri CloudflareBaseUrl(string provider) => ProviderUrl(provider, "client/v4");

    /// <summary>Zeroes the counters and the quota and rate-window state (also <c>POST /_sim/reset</c>).</summary>
    public void ResetStats()
    {
        _stats.Reset();
        _fleet.Reset();
        _received.Clear();
    }

    /// <summary>Stops the server, cutting hanging requests short.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private Uri ProviderUrl(string provider, string suffix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        return new Uri(BaseAddress, $"{Uri.EscapeDataString(provider)}/{suffix}");
    }
}
