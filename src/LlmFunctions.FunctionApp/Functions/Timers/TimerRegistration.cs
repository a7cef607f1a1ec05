using LlmFunctions.Storage;
using Azure.Storage.Blobs;

namespace LlmFunctions.FunctionApp.Functions.Timers;

/// <summary>Registers the Blob account that holds the singleton leases and one hosted trigger per timer function.</summary>
internal static class TimerRegistration
{
    public static IServiceCollection AddLockStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => StorageConnection.CreateClient(configuration, c => new BlobServiceClient(c)));
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
            // Storage is resolved on first use: StartupValidation reports a bad AzureWebJobsStorage by name first.
            var container = new Lazy<BlobContainerClient>(() => sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(BlobSingleton.ContainerName));
            var function = sp.GetRequiredService<TFunction>();
            return new TimerTriggerService(
                name,
                schedule,
                new BlobSingleton(container, name),
                ct => run(function, ct),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<TimerTriggerService>>());
        });
}
