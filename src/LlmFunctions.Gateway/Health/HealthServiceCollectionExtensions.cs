using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Health;

/// <summary>Registers the shared provider health.</summary>
public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="HealthOptions"/> (bound from <c>LlmFunctions:Health</c>, validated at start),
    /// <see cref="TimeProvider.System"/> unless a clock is already registered, a singleton
    /// <see cref="ProviderHealthStore"/>, the singleton <see cref="InFlightCalls"/> of this instance, and the singleton <see cref="ProviderHealthCache"/> in front of the store (disposed
    /// by the host on shutdown, which flushes the success counts it holds). The host registers the <c>Azure.Data.Tables.TableServiceClient</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddProviderHealth(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // A misspelt or retired setting (DefaultRateLimitCooldown became RateLimitCooldown) fails the start, naming it.
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName, o => o.ErrorOnUnknownConfiguration = true).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProviderHealthStore>();
        services.TryAddSingleton<ProviderHealthCache>();
        services.TryAddSingleton<InFlightCalls>();
        return services;
    }
}
