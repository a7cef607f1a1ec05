using Microsoft.Extensions.Configuration;

namespace LlmFunctions.Storage;

/// <summary>Creates Storage clients from <c>AzureWebJobsStorage</c>, the Functions setting, with errors that name it.</summary>
public static class StorageConnection
{
    /// <summary>The setting holding the Storage connection string, as in Azure Functions.</summary>
    public const string Setting = "AzureWebJobsStorage";

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
