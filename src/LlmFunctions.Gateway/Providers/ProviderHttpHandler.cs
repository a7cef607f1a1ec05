using System.Net;

namespace LlmFunctions.Providers;

/// <summary>
/// Builds the HTTP handler for provider calls. Redirects are not followed: a 3xx means the base URL is wrong and
/// is classified as NotFound, and following it would also forward the bearer token to another host.
/// </summary>
public static class ProviderHttpHandler
{
    /// <summary>Creates a handler with redirects off, 2-minute pooled connections (so DNS changes are seen),
    /// a 10-second connect timeout, automatic decompression, and no draining of unread responses.</summary>
    /// <returns>A new handler; the caller owns it.</returns>
    public static SocketsHttpHandler Create() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.All,
        // A response disposed unread (an abandoned stream) closes its connection at once: draining it would keep the
        // provider generating for a caller that has gone.
        MaxResponseDrainSize = 0,
    };

    /// <summary>Creates an <see cref="HttpClient"/> over <see cref="Create"/> with an infinite timeout:
    /// the caller's resilience pipeline owns timeouts.</summary>
    /// <returns>A new client that owns its handler.</returns>
    public static HttpClient CreateClient() => new(Create(), disposeHandler: true)
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
