extern alias StandaloneHost;

using LlmFunctions.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StandaloneHost::LlmFunctions.StandaloneHost.Durable;
using StandaloneHost::LlmFunctions.StandaloneHost.Functions;

namespace LlmFunctions.Tests.StandaloneHost.Durable;

/// <summary>A host running only the durable engine over the test functions, on a task hub of its own.</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private EngineHost(IHost host, string hubName, CapturingLoggerProvider logs)
    {
        Host = host;
        HubName = hubName;
        Logs = logs;
    }

    public IHost Host { get; }

    public string HubName { get; }

    public CapturingLoggerProvider Logs { get; }

    public DurableTaskClient Client => Host.Services.GetRequiredService<DurableTaskClient>();

    public EngineProbe Probe => Host.Services.GetRequiredService<EngineProbe>();

    public static string UniqueHubName() => "eng" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>Settings for a fast test engine on Azurite: a unique hub, two partitions, short queue polling.</summary>
    public static Dictionary<string, string?> Settings(string connectionString, string hubName) => new(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage"] = connectionString,
        [DurableEngineOptions.HubNameKey] = hubName,
        [DurableEngineOptions.PartitionCountKey] = "2",
        [DurableEngineOptions.MaxQueuePollingIntervalKey] = "00:00:00.500",
        [DurableEngineOptions.WorkerIdKey] = "worker-" + hubName,
    };

    public static IHost Build(IDictionary<string, string?> settings, CapturingLoggerProvider logs, params Type[] functionTypes)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<EngineProbe>();
        builder.Services.AddScoped<ScopedGreeter>();
        builder.Services.AddDurableEngine(builder.Configuration, FunctionCatalog.FromTypes(functionTypes));
        return builder.Build();
    }

    public static async Task<EngineHost> StartAsync(AzuriteFixture azurite)
    {
        var hubName = UniqueHubName();
        var logs = new CapturingLoggerProvider();
        var host = Build(Settings(azurite.ConnectionString, hubName), logs, typeof(EngineTestFunctions));
        await host.StartAsync();
        return new EngineHost(host, hubName, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}
