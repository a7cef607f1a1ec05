using Azure.Data.Tables;
using LlmFunctions.Alerts;
using LlmFunctions.Caching;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Routes;
using LlmFunctions.Routing;
using LlmFunctions.Security;
using LlmFunctions.Storage;
using LlmFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmFunctions;

/// <summary>Registers the gateway core: catalog, classifier, provider calls, failover policy, shared health, response cache.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>The setting holding the Storage connection string, as in Azure Functions.</summary>
    public const string StorageSetting = StorageConnection.Setting;

    /// <summary>Adds the gateway core. Settings are validated at start-up, naming the bad setting.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddLlmFunctionsGateway(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => ProviderCatalog.Load(configuration));
        services.TryAddSingleton(sp => new SecretRedactor(sp.GetRequiredService<ProviderCatalog>().SecretValues));
        services.TryAddSingleton(sp => new ErrorClassifier(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SecretRedactor>()));
        services.TryAddSingleton(sp => new ProviderCaller(
            sp.GetRequiredService<ProviderCatalog>(),
            ProviderHttpHandler.CreateClient(),
            sp.GetRequiredService<ErrorClassifier>(),
            sp.GetRequiredService<SecretRedactor>(),
            sp.GetRequiredService<TimeProvider>()));

        services.AddOptions<FailoverOptions>().BindConfiguration(FailoverOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FailoverOptions>, FailoverOptionsValidator>());
        services.TryAddSingleton(sp => new FailoverPolicy(sp.GetRequiredService<IOptions<FailoverOptions>>().Value, Random.Shared.NextDouble));

        services.AddOptions<ModelRoutingOptions>().BindConfiguration(ModelRoutingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelRoutingOptions>, ModelRoutingOptionsValidator>());
        services.TryAddSingleton<ModelRouter>();

        // A misspelt route setting (Step instead of Steps) fails the start, naming it.
        services.AddOptions<RouteOptions>()
            .Configure(o =>
            {
                try
                {
                    configuration.GetSection(RouteOptions.RoutesSection).Bind(o.Routes, b => b.ErrorOnUnknownConfiguration = true);
                    configuration.GetSection(RouteOptions.TiersSection).Bind(o.Tiers);
                }
                catch (InvalidOperationException ex)
                {
                    // The binder's own message says only that binding failed; the setting is in the inner exception.
                    throw new InvalidOperationException($"{RouteOptions.RoutesSection} or {RouteOptions.TiersSection} cannot be read: {ex.InnerException?.Message ?? ex.Message}", ex);
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RouteOptions>, RouteOptionsValidator>());
        services.TryAddSingleton<RouteCatalog>();

        services.TryAddSingleton(_ => StorageConnection.CreateClient(configuration, c => new TableServiceClient(c, StorageConnection.RequestPathTableOptions())));
        services.AddProviderHealth();
        services.AddResponseCache(configuration);
        services.AddAlerts();
        services.AddMetrics();
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<PromptRunner>();
        return services;
    }
}
