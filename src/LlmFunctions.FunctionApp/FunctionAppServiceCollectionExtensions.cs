using LlmFunctions.FunctionApp.Configuration;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp;

/// <summary>Registers the function app's services, the same under the Functions host and the standalone host; settings
/// are validated at start-up, naming the bad setting.</summary>
public static class FunctionAppServiceCollectionExtensions
{
    /// <summary>Adds the gateway, the HTTP settings and the start-up validation.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration (host.json, local.settings.json, environment).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddFunctionApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLlmFunctionsGateway(configuration);
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsValidator>();
        // First hosted service: a bad setting stops the host, by name, before any trigger starts.
        services.AddHostedService<StartupValidation>();
        return services;
    }
}
