using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Query;
using LlmFunctions.StandaloneHost.Durable.Client;
using LlmFunctions.StandaloneHost.Functions;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>Registers the durable engine: the function app's orchestrators and activities on DTFx's Azure Storage backend.</summary>
public static class DurableEngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DurableEngineOptions"/> (read from <paramref name="configuration"/>, validated at start-up),
    /// the <see cref="AzureStorageOrchestrationService"/> singleton (also as DTFx's <see cref="IOrchestrationServiceClient"/>,
    /// <see cref="IOrchestrationServiceQueryClient"/> and <see cref="IOrchestrationServicePurgeClient"/>), a
    /// <see cref="DurableTaskClient"/> singleton over it, and a hosted service running the DTFx worker.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The app's configuration (host.json flattened under <c>AzureFunctionsJobHost</c>, app settings).</param>
    /// <param name="catalog">The function app's functions; its orchestrators and activities are registered.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="InvalidOperationException">An orchestrator or activity has a parameter or return type the host cannot bind; the message names it.</exception>
    public static IServiceCollection AddDurableEngine(this IServiceCollection services, IConfiguration configuration, FunctionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(catalog);

        services.AddSingleton(DurableFunctionRegistry.From(catalog));
        services.AddOptions<DurableEngineOptions>()
            .Configure(o => DurableEngineOptionsReader.Read(configuration, o))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurableEngineOptions>, DurableEngineOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => new AzureStorageOrchestrationService(
            AzureStorageSettingsFactory.Create(sp.GetRequiredService<IOptions<DurableEngineOptions>>().Value, sp.GetRequiredService<ILoggerFactory>())));
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddSingleton<IOrchestrationServiceQueryClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddSingleton<IOrchestrationServicePurgeClient>(sp => sp.GetRequiredService<AzureStorageOrchestrationService>());
        services.AddSingleton<DurableTaskClient>(sp => new ShimDurableTaskClient(
            sp.GetRequiredService<IOptions<DurableEngineOptions>>().Value.HubName,
            sp.GetRequiredService<AzureStorageOrchestrationService>(),
            DurableFunctionServices.Converter,
            sp.GetRequiredService<TimeProvider>()));

        services.AddSingleton<DurableFunctionServices>();
        services.AddSingleton<DurableEngineHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<DurableEngineHostedService>());
        return services;
    }
}
