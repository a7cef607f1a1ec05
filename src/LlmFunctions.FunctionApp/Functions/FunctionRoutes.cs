using LlmFunctions.FunctionApp.Functions.Timers;
using LlmFunctions.FunctionApp.Orchestration;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// The function set, its HTTP routes and timer schedules, in one place. Each function is its own class; this is the only file
/// that knows their triggers, as <c>function.json</c> does for a Functions app.
/// </summary>
internal static class FunctionRoutes
{
    public static IServiceCollection AddFunctions(this IServiceCollection services) =>
        services
            .AddSingleton<HealthCheck>()
            .AddSingleton<ListProviders>()
            .AddSingleton<ProviderAdmin>()
            .AddSingleton<ChatCompletions>()
            .AddSingleton<StartPrompt>()
            .AddSingleton<ResetExpiredCooldowns>()
            .AddTimer<ResetExpiredCooldowns>(ResetExpiredCooldowns.Name, ResetExpiredCooldowns.ScheduleSetting, (f, ct) => f.RunAsync(ct));

    public static WebApplication MapFunctions(this WebApplication app)
    {
        app.MapGet("/api/health", (HealthCheck f, CancellationToken ct) => f.Run(ct));
        app.MapGet("/api/providers", (ListProviders f, CancellationToken ct) => f.Run(ct));
        app.MapPost("/api/providers/{name}/{operation}", (string name, string operation, HttpRequest request, ProviderAdmin f, CancellationToken ct) => f.Run(name, operation, request, ct));
        app.MapPost("/api/prompts", (HttpRequest request, StartPrompt f, CancellationToken ct) => f.Run(null, request, ct));
        app.MapPost("/api/prompts/{instanceId}", (string instanceId, HttpRequest request, StartPrompt f, CancellationToken ct) => f.Run(instanceId, request, ct));
        InstanceManagementApi.Map(app);
        app.MapPost("/v1/chat/completions", (HttpRequest request, HttpResponse response, ChatCompletions f, CancellationToken ct) => f.Run(request, response, ct));
        return app;
    }
}
