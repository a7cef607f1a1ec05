using Azure.Storage.Blobs;
using LlmFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Caching;

/// <summary>Registers the response cache's storage.</summary>
public static class ResponseCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ResponseCacheOptions"/> (bound from <c>LlmFunctions:Cache</c>, validated at start; an unknown
    /// key fails the start naming it), <see cref="TimeProvider.System"/> unless a clock is already registered, and the
    /// singleton <see cref="ResponseCache"/> on its own Blob client (<see cref="StorageConnection.RequestPathBlobOptions"/>) from
    /// <c>AzureWebJobsStorage</c>. Its own client, so the timers' lock blobs keep the SDK's patient retries.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration holding <c>AzureWebJobsStorage</c>.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddResponseCache(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ResponseCacheOptions>().BindConfiguration(ResponseCacheOptions.SectionName, o => o.ErrorOnUnknownConfiguration = true).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResponseCacheOptions>, ResponseCacheOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ResponseCacheOptions>>();
            var blobs = StorageConnection.CreateClient(configuration, c => new BlobServiceClient(c, StorageConnection.RequestPathBlobOptions()));
            return new ResponseCache(
                blobs.GetBlobContainerClient(options.Value.Container),
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ResponseCache>>(),
                sp.GetService<Security.SecretRedactor>());
        });
        return services;
    }
}
