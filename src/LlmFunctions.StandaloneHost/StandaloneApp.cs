using LlmFunctions.FunctionApp;
using LlmFunctions.FunctionApp.Configuration;
using LlmFunctions.FunctionApp.Http;
using LlmFunctions.FunctionApp.Telemetry;
using LlmFunctions.StandaloneHost.Durable;
using LlmFunctions.StandaloneHost.Functions;
using LlmFunctions.StandaloneHost.Http;
using LlmFunctions.StandaloneHost.Management;
using LlmFunctions.StandaloneHost.Security;
using LlmFunctions.StandaloneHost.Telemetry;
using LlmFunctions.StandaloneHost.Timers;
using OpenTelemetry.Metrics;

namespace LlmFunctions.StandaloneHost;

/// <summary>
/// The standalone host: the function app's own classes, found by their <c>[Function]</c> attributes, run as the
/// Functions host would run them. Orchestrations and activities on the Durable Task Framework's Azure Storage backend,
/// HTTP functions on their attribute routes, timers on their NCRONTAB schedules (one host per occurrence), and
/// Durable's HTTP management API under <c>/runtime/webhooks/durabletask</c>; each route's authorization level enforced
/// with the keys of <c>LlmFunctions:Keys</c>, as the Functions host enforces its own.
/// </summary>
public static class StandaloneApp
{
    /// <summary>Builds the host.</summary>
    /// <param name="args">The command-line arguments (ASP.NET Core's: <c>--urls</c> and settings).</param>
    /// <param name="settings">Settings that override every other source (for tests).</param>
    /// <returns>The application, ready to run.</returns>
    public static WebApplication Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddFunctionsConfiguration(builder.Environment.ContentRootPath);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("AzureFunctionsJobHost:logging"));

        var catalog = FunctionCatalog.FromAssembly(typeof(FunctionAppServiceCollectionExtensions).Assembly);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddFunctionApp(builder.Configuration);
        builder.Services.AddDurableEngine(builder.Configuration, catalog);
        builder.Services.AddHttpFunctions();
        builder.Services.AddTimerFunctions(builder.Configuration, catalog);
        builder.Services.AddHostSecurity();
        builder.Services.AddAppTelemetry(builder.Configuration).WithMetrics(m => m.AddPrometheusExporter());

        var app = builder.Build();

        // Every error in OpenAI's shape, also those no function wrote: an unknown route, a wrong method.
        app.UseStatusCodePages(context => OpenAiError.WriteAsync(
            context.HttpContext,
            context.HttpContext.Response.StatusCode,
            context.HttpContext.Response.StatusCode >= 500 ? OpenAiError.ServerError : OpenAiError.InvalidRequest,
            StatusMessage(context.HttpContext),
            code: context.HttpContext.Response.StatusCode switch { 404 => "not_found", 405 => "method_not_allowed", _ => null }));
        app.UseHostSecurity();
        app.MapHttpFunctions(catalog, app.Configuration);
        app.MapDurableHttpApi();
        app.MapMetrics();
        return app;
    }

    private static string StatusMessage(HttpContext context) => context.Response.StatusCode switch
    {
        404 => $"No endpoint at {context.Request.Method} {context.Request.Path}",
        405 => $"{context.Request.Method} is not allowed on {context.Request.Path}",
        var status => $"HTTP {status} ({Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)})",
    };
}
