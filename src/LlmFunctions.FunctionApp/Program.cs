using LlmFunctions.FunctionApp.Configuration;
using Azure.Monitor.OpenTelemetry.Exporter;
using LlmFunctions.FunctionApp.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;

namespace LlmFunctions.FunctionApp;

/// <summary>
/// The entry point under the Functions host (func start, Azure): the isolated worker with ASP.NET Core integration.
/// The standalone host (src/LlmFunctions.StandaloneHost) runs the same function classes with the same services where
/// func is absent. Not named <c>Program</c>, so that the standalone host's <c>Program</c> is the only one.
/// </summary>
internal static class WorkerProgram
{
    private static async Task Main(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Configuration.AddFunctionsConfiguration(Directory.GetCurrentDirectory());
        builder.Services.AddFunctionApp(builder.Configuration);
        var telemetry = builder.Services.AddAppTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[TelemetryServiceCollectionExtensions.AzureMonitorSetting]))
        {
            telemetry.UseAzureMonitorExporter();
        }

        await builder.Build().RunAsync();
    }
}
