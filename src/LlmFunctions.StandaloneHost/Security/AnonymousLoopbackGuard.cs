using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>
/// Refuses to start a host that has no key and listens beyond loopback: checked against the configured URLs
/// (<c>urls</c>, <c>Kestrel:Endpoints:*:Url</c>) before the server binds, and against the addresses it bound once it
/// has. Says at start which mode the host runs in.
/// </summary>
internal sealed class AnonymousLoopbackGuard(HostKeys keys, KeyRateLimiter limiter, IConfiguration configuration, IServer server, ILogger<AnonymousLoopbackGuard> logger)
    : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Taking both here is what validates the settings at start-up.
        _ = limiter;
        if (keys.AnyConfigured)
        {
            SecurityLog.KeysConfigured(logger, keys.Names);
            return Task.CompletedTask;
        }

        var configured = (configuration["urls"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        RefuseUnlessLoopback(configured);
        SecurityLog.AnonymousLoopbackOnly(logger, HostKeys.MasterSetting, HostKeys.FunctionSection);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (!keys.AnyConfigured)
        {
            RefuseUnlessLoopback(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether a listening URL (<c>http://127.0.0.1:5000</c>, <c>http://localhost</c>, <c>http://*:80</c>) is
    /// reachable from this machine only.</summary>
    internal static bool IsLoopbackUrl(string url)
    {
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && KeyAuthorizationMiddleware.IsLoopback(address));
    }

    private static void RefuseUnlessLoopback(IEnumerable<string> urls)
    {
        var exposed = urls.Where(u => !IsLoopbackUrl(u)).ToList();
        if (exposed.Count > 0)
        {
            throw new InvalidOperationException(
                $"No key is configured, and the host would listen on {string.Join(", ", exposed)}, beyond loopback. Set {HostKeys.MasterSetting} "
                + $"(and {HostKeys.FunctionSection}:<name> for callers), or listen on 127.0.0.1 / localhost only.");
        }
    }
}
