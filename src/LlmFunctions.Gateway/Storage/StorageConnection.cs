using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace LlmFunctions.Storage;

/// <summary>Creates Storage clients from <c>AzureWebJobsStorage</c>, the Functions setting, with errors that name it.</summary>
public static class StorageConnection
{
    /// <summary>The setting holding the Storage connection string, as in Azure Functions.</summary>
    public const string Setting = "AzureWebJobsStorage";

    /// <summary>
    /// Options for a Table client that request paths wait on (the provider health): two quick retries and a 5 s network
    /// timeout, so Storage out of reach costs a request about a second. The SDK default (three retries from 0.8 s,
    /// doubling, and 100 s per try) holds a request for seconds when connections are refused and for minutes when they
    /// hang.
    /// </summary>
    /// <returns>New options.</returns>
    public static TableClientOptions RequestPathTableOptions() => RequestPath(new TableClientOptions());

    /// <summary>Options for a Blob client that request paths wait on (the response cache), with the retries of
    /// <see cref="RequestPathTableOptions"/>.</summary>
    /// <returns>New options.</returns>
    public static BlobClientOptions RequestPathBlobOptions() => RequestPath(new BlobClientOptions());

    private static TOptions RequestPath<TOptions>(TOptions options)
        where TOptions : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        return options;
    }

    /// <summary>Creates a client from the connection string in <see cref="Setting"/>.</summary>
    /// <typeparam name="TClient">The client type (tables, blobs, queues).</typeparam>
    /// <param name="configuration">The configuration.</param>
    /// <param name="create">Creates the client from the connection string.</param>
    /// <returns>The client.</returns>
    /// <exception cref="InvalidOperationException">The setting is missing or not a connection string; the value is never echoed.</exception>
    public static TClient CreateClient<TClient>(IConfiguration configuration, Func<string, TClient> create)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(create);
        var connection = configuration[Setting];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException($"{Setting} is not set: it must hold the Storage connection string (UseDevelopmentStorage=true for Azurite).");
        }

        try
        {
            return create(connection);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The connection string holds the account key: name the setting, never echo the value.
            throw new InvalidOperationException($"{Setting} is not a valid Storage connection string.", ex);
        }
    }
}
