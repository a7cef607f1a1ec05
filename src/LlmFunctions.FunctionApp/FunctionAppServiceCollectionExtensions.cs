using LlmFunctions.FunctionApp.Functions;
using LlmFunctions.FunctionApp.Functions.Timers;

namespace LlmFunctions.FunctionApp;

/// <summary>Registers the function app's services; settings are validated at start-up, naming the bad setting.</summary>
internal static class FunctionAppServiceCollectionExtensions
{
    public static IServiceCollection AddFunctionApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLlmFunctionsGateway(configuration);
        services.AddLockStorage(configuration);
        services.AddFunctions();
        services.AddHostedService<StartupValidation>();
        return services;
    }
}
