extern alias StandaloneHost;

using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandaloneHost::LlmFunctions.StandaloneHost.Durable;
using StandaloneHost::LlmFunctions.StandaloneHost.Management;

namespace LlmFunctions.Tests.StandaloneHost.Management;

/// <summary>
/// A task hub of its own on the shared Azurite, optionally a DTFx worker running the test orchestrations, and the
/// management API in a TestServer over the same <see cref="AzureStorageOrchestrationService"/>.
/// </summary>
public sealed class ManagementHarness : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskHubWorker? _worker;
    private readonly bool _ownsTaskHub;

    private ManagementHarness(AzureStorageOrchestrationService service, TaskHubWorker? worker, WebApplication app, string taskHubName, bool ownsTaskHub)
    {
        _ownsTaskHub = ownsTaskHub;
        Service = service;
        _worker = worker;
        _app = app;
        TaskHubName = taskHubName;
        Http = app.GetTestClient();
        Client = new TaskHubClient(service);
    }

    public AzureStorageOrchestrationService Service { get; }

    public TaskHubClient Client { get; }

    public HttpClient Http { get; }

    public string TaskHubName { get; }

    public static async Task<ManagementHarness> StartAsync(string connectionString, bool runWorker, bool createTaskHub = true)
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = "mgmt" + Guid.NewGuid().ToString("N")[..16],
            StorageAccountClientProvider = AzureStorageSettingsFactory.ClientProvider(connectionString),
            PartitionCount = 1,
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
        };
        var service = new AzureStorageOrchestrationService(settings);
        if (createTaskHub)
        {
            await service.CreateIfNotExistsAsync();
        }

        TaskHubWorker? worker = null;
        if (runWorker)
        {
            worker = new TaskHubWorker(service, new LoggerFactory())
            {
                ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
            };
            worker.AddTaskOrchestrations(typeof(EchoOrchestration), typeof(WaitForEventOrchestration), typeof(FlakyOrchestration));
            worker.AddTaskActivities(typeof(FlakyActivity));
            await worker.StartAsync();
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton(settings);
        var app = builder.Build();
        app.MapDurableHttpApi();
        await app.StartAsync();
        return new ManagementHarness(service, worker, app, settings.TaskHubName, createTaskHub);
    }

    public async Task<string> StartAsync<TOrchestration>(string instanceId, string input)
        where TOrchestration : TaskOrchestration
    {
        var instance = await Client.CreateOrchestrationInstanceAsync(typeof(TOrchestration), instanceId, input);
        return instance.InstanceId;
    }

    /// <summary>Waits until the instance's stored status is <paramref name="status"/>.</summary>
    public async Task WaitForStatusAsync(string instanceId, OrchestrationStatus status, TimeSpan? timeout = null)
    {
        OrchestrationStatus? last = null;
        await Eventually.WaitAsync(
            async () =>
            {
                var states = await Service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: false);
                last = states.FirstOrDefault()?.OrchestrationStatus;
                return last == status;
            },
            timeout ?? TimeSpan.FromSeconds(60),
            () => $"instance {instanceId} to be {status} (last seen: {last?.ToString() ?? "none"})");
    }

    public static string Url(string path) => "/runtime/webhooks/durabletask/" + path;

    public Task<HttpResponseMessage> GetAsync(string path) => Http.GetAsync(Url(path));

    public Task<HttpResponseMessage> PostAsync(string path, HttpContent? content = null) => Http.PostAsync(Url(path), content);

    public Task<HttpResponseMessage> DeleteAsync(string path) => Http.DeleteAsync(Url(path));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_worker is not null)
        {
            await _worker.StopAsync(isForced: true);
            _worker.Dispose();
        }

        if (_ownsTaskHub)
        {
            await Service.DeleteAsync();
        }
    }
}

/// <summary>Assertions on management responses.</summary>
internal static class ResponseAssert
{
    public static async Task<System.Text.Json.JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static async Task StatusAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
    }

    /// <summary>A 400 whose body names <paramref name="parameterName"/>.</summary>
    public static async Task BadRequestNamingAsync(HttpResponseMessage response, string parameterName)
    {
        var error = await JsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(parameterName, error.GetProperty("ParameterName").GetString());
        Assert.Contains(parameterName, error.GetProperty("Message").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
