using Azure.Storage.Blobs;

namespace LlmFunctions.FunctionApp.Functions.Timers;

/// <summary>Registers the Blob account that holds the singleton leases and one hosted trigger per timer function.</summary>
internal static class TimerRegistration
{
    public static IServiceCollection AddLockStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => CreateBlobService(configuration));
        return services;
    }

    /// <summary>Adds a timer; the schedule is parsed when the host starts, so a bad one stops it naming the setting.</summary>
    public static IServiceCollection AddTimer<TFunction>(
        this IServiceCollection services,
        string name,
        string scheduleSetting,
        Func<TFunction, CancellationToken, Task> run)
        where TFunction : notnull =>
        services.AddHostedService(sp =>
        {
            var schedule = TimerSchedule.Parse(scheduleSetting, sp.GetRequiredService<IConfiguration>()[scheduleSetting]);
            var container = sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BlobSingleton.ContainerName);
            var function = sp.GetRequiredService<TFunction>();
            return new TimerTriggerService(
                name,
                schedule,
                new BlobSingleton(container, name),
                ct => run(function, ct),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<TimerTriggerService>>());
        });

    private static BlobServiceClient CreateBlobService(IConfiguration configuration)
    {
        const string setting = GatewayServiceCollectionExtensions.StorageSetting;
        var connection = configuration[setting];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException($"{setting} is not set: it must hold the Storage connection string (UseDevelopmentStorage=true for Azurite).");
        }

        try
        {
            return new BlobServiceClient(connection);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The connection string holds the account key: name the setting, never echo the value.
            throw new InvalidOperationException($"{setting} is not a valid Storage connection string.", ex);
        }
    }
}
