using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using LlmFunctions.StandaloneHost.Functions;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>Registers the app's timer-triggered functions.</summary>
public static partial class TimerFunctionsServiceCollectionExtensions
{
    /// <summary>The setting naming this app's hosts in the lock blobs (<c>locks/{hostId}/…</c>); hosts sharing it run each occurrence once.</summary>
    public const string HostIdSetting = "LlmFunctions:Host:Id";

    /// <summary>The task hub setting, the host id when <see cref="HostIdSetting"/> is absent.</summary>
    public const string TaskHubSetting = "AzureFunctionsJobHost:extensions:durableTask:hubName";

    /// <summary>The Storage connection setting, used when no <see cref="BlobServiceClient"/> is registered.</summary>
    public const string StorageSetting = "AzureWebJobsStorage";

    /// <summary>
    /// Adds one hosted trigger per <see cref="TriggerKind.Timer"/> function of <paramref name="catalog"/>. Schedules
    /// (<c>%Setting%</c> resolved) and parameters are checked here, so a bad one stops start-up naming the function and
    /// setting. Runs are single across hosts through a blob lease in the registered <see cref="BlobServiceClient"/>, else
    /// one made from <c>AzureWebJobsStorage</c>; time comes from the registered <see cref="TimeProvider"/>, else the system's.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The settings holding the schedules, the host id and the Storage connection.</param>
    /// <param name="catalog">The app's functions.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="InvalidOperationException">A schedule, a parameter or the host id is not valid; the message names it.</exception>
    public static IServiceCollection AddTimerFunctions(this IServiceCollection services, IConfiguration configuration, FunctionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(catalog);
        // Schedules and the host id are read when the host starts, from its final configuration (a test host's
        // settings are added after registration), and a bad one stops start-up there, naming the function and setting.
        foreach (var function in catalog.OfKind(TriggerKind.Timer))
        {
            services.AddSingleton<IHostedService>(sp =>
            {
                var settings = sp.GetService<IConfiguration>() ?? configuration;
                var timer = TimerFunction.From(function, settings);
                var hostId = HostId(settings);
                if (timer.Invoker.NeedsDurableClient && sp.GetService<IServiceProviderIsService>()?.IsService(typeof(DurableTaskClient)) == false)
                {
                    throw new InvalidOperationException($"Timer function '{timer.Name}' takes a [DurableClient] {nameof(DurableTaskClient)}, but none is registered.");
                }

                var time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
                var blobs = new Lazy<BlobContainerClient>(() => (sp.GetService<BlobServiceClient>() ?? CreateBlobClient(settings)).GetBlobContainerClient(BlobSingleton.ContainerName));
                return new TimerFunctionService(
                    timer,
                    new BlobSingleton(() => blobs.Value, BlobSingleton.LockBlobName(hostId, timer.Name), time),
                    sp.GetRequiredService<IServiceScopeFactory>(),
                    time,
                    sp.GetRequiredService<ILogger<TimerFunctionService>>());
            });
        }

        return services;
    }

    /// <summary>The host id: <see cref="HostIdSetting"/>, else the task hub, lower-cased; 1 to 32 letters, digits and dashes, as Functions requires.</summary>
    internal static string HostId(IConfiguration configuration)
    {
        var (setting, value) = configuration[HostIdSetting] is { Length: > 0 } id ? (HostIdSetting, id)
            : configuration[TaskHubSetting] is { Length: > 0 } hub ? (TaskHubSetting, hub)
            : (null, null);
        if (setting is null || value is null)
        {
            throw new InvalidOperationException($"Timer functions need a host id for their locks: set {HostIdSetting} (or {TaskHubSetting}).");
        }

        // Functions cuts a host id derived from a longer name (the site's) to 32 characters; so does this.
        var hostId = value.Trim().ToLowerInvariant();
        hostId = setting == TaskHubSetting && hostId.Length > 32 ? hostId[..32] : hostId;
        return ValidHostId().IsMatch(hostId)
            ? hostId
            : throw new InvalidOperationException($"{setting} (\"{value}\") is not a valid host id: 1 to 32 letters, digits and dashes, not starting or ending with a dash.");
    }

    private static BlobServiceClient CreateBlobClient(IConfiguration configuration)
    {
        var connection = configuration[StorageSetting];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException($"{StorageSetting} is not set: it must hold the Storage connection string (UseDevelopmentStorage=true for Azurite).");
        }

        try
        {
            return new BlobServiceClient(connection);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            // The connection string holds the account key: name the setting, never echo the value.
            throw new InvalidOperationException($"{StorageSetting} is not a valid Storage connection string.", ex);
        }
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidHostId();
}
