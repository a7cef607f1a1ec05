using System.Globalization;
using System.Text.Json;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmFunctions.Bench;

/// <summary>
/// The engine's floor: a bare one-activity DTFx orchestration on the same engine configuration as the standalone host
/// (a <see cref="TaskHubWorker"/> over <see cref="AzureStorageOrchestrationService"/>, host.json's partition count,
/// queue visibility timeouts and polling interval, the Functions defaults of 10 activities and 10 orchestrator
/// episodes per core), run as <c>LlmFunctions.Bench --bare-host</c> in its own process, as the standalone host is.
/// <c>POST /start</c> starts an instance (202, <c>{"id":...}</c>), as <c>POST /api/prompts</c> does.
/// </summary>
internal static class BareHost
{
    public const string Argument = "--bare-host";
    public const string HubVariable = "BENCH_BARE_HUB";

    public static async Task<int> RunAsync()
    {
        var root = Environment.GetEnvironmentVariable("LLMFUNCTIONS_ROOT") ?? throw new InvalidOperationException("LLMFUNCTIONS_ROOT is not set");
        var connection = Environment.GetEnvironmentVariable("AzureWebJobsStorage") ?? throw new InvalidOperationException("AzureWebJobsStorage is not set");
        var hub = Environment.GetEnvironmentVariable(HubVariable) ?? throw new InvalidOperationException($"{HubVariable} is not set");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var loggers = app.Services.GetService(typeof(ILoggerFactory)) as ILoggerFactory ?? throw new InvalidOperationException("no logger factory");

        var settings = Settings(Path.Combine(root, "host.json"), connection, hub, loggers);
        var service = new AzureStorageOrchestrationService(settings);
        var worker = new TaskHubWorker(service, loggers) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
        worker.AddTaskOrchestrations(typeof(BareOrchestration));
        worker.AddTaskActivities(typeof(BareActivity));
        await worker.StartAsync();
        var client = new TaskHubClient(service, loggerFactory: loggers);

        app.MapGet("/health", () => Results.Ok());
        app.MapPost("/start", async () =>
        {
            var instance = await client.CreateOrchestrationInstanceAsync(typeof(BareOrchestration), "hello");
            return Results.Text($$"""{"id":"{{instance.InstanceId}}"}""", "application/json", statusCode: StatusCodes.Status202Accepted);
        });
        await app.RunAsync();
        await worker.StopAsync(isForced: true);
        return 0;
    }

    /// <summary>The DTFx settings the standalone host builds from host.json (its AzureStorageSettingsFactory).</summary>
    private static AzureStorageOrchestrationServiceSettings Settings(string hostJson, string connection, string hub, ILoggerFactory loggers)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(hostJson), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var durable = document.RootElement.GetProperty("extensions").GetProperty("durableTask");
        var storage = durable.TryGetProperty("storageProvider", out var s) ? s : default;
        TimeSpan Span(JsonElement e, string name, TimeSpan fallback) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? TimeSpan.Parse(v.GetString()!, CultureInfo.InvariantCulture) : fallback;
        int Int(JsonElement e, string name, int fallback) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;

        return new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connection),
            TaskHubName = hub,
            PartitionCount = Int(storage, "partitionCount", 4),
            ControlQueueVisibilityTimeout = Span(storage, "controlQueueVisibilityTimeout", TimeSpan.FromMinutes(5)),
            WorkItemQueueVisibilityTimeout = Span(storage, "workItemQueueVisibilityTimeout", TimeSpan.FromMinutes(5)),
            MaxQueuePollingInterval = Span(storage, "maxQueuePollingInterval", TimeSpan.FromSeconds(30)),
            MaxConcurrentTaskActivityWorkItems = Int(durable, "maxConcurrentActivityFunctions", 10 * Environment.ProcessorCount),
            MaxConcurrentTaskOrchestrationWorkItems = Int(durable, "maxConcurrentOrchestratorFunctions", 10 * Environment.ProcessorCount),
            WorkerId = "bench-bare",
            ExtendedSessionsEnabled = false,
            ThrowExceptionOnInvalidDedupeStatus = true,
            LoggerFactory = loggers,
        };
    }
}

/// <summary>Calls <see cref="BareActivity"/> once and returns its result.</summary>
internal sealed class BareOrchestration : TaskOrchestration<string, string>
{
    public override Task<string> RunTask(OrchestrationContext context, string input) =>
        context.ScheduleTask<string>(typeof(BareActivity), input);
}

/// <summary>Returns its input.</summary>
internal sealed class BareActivity : TaskActivity<string, string>
{
    protected override string Execute(TaskContext context, string input) => input;
}
