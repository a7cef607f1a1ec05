using LlmFunctions.FunctionApp.Configuration;
using LlmFunctions.FunctionApp.Functions;
using LlmFunctions.FunctionApp.Functions.Timers;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp;

/// <summary>Registers the function app's services; settings are validated at start-up, naming the bad setting.</summary>
internal static class FunctionAppServiceCollectionExtensions
{
    public static IServiceCollection AddFunctionApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLlmFunctionsGateway(configuration);
        services.AddLockStorage(configuration);
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsValidator>();
        // First hosted service: a bad setting stops the host, by name, before any trigger starts.
        services.AddHostedService<StartupValidation>();
        services.AddFunctions();
        services.AddPromptOrchestration(configuration);
        return services;
    }
}
