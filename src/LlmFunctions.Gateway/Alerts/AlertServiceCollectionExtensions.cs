using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Alerts;

/// <summary>Registers the error tracker and its alerts.</summary>
public static class AlertServiceCollectionExtensions
{
    /// <summary>Adds <see cref="AlertOptions"/> (validated at start), the <see cref="AlertStore"/>, and the
    /// <see cref="AlertMonitor"/> and <see cref="AlertNotifier"/> as hosted services (and singletons, for tests and
    /// the alerts function).</summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>());
        services.TryAddSingleton<AlertStore>();
        services.TryAddSingleton<AlertNotifier>();
        services.TryAddSingleton<AlertMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertNotifier>());
        services.AddHostedService(sp => sp.GetRequiredService<AlertMonitor>());
        return services;
    }
}
