using LlmFunctions.FunctionApp.Configuration;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>Wires the standalone host's front door: keys per authorization level, per-key rate limits, CORS only for
/// configured origins, and refusal of cross-site simple requests. Under <c>func</c> and in Azure the Functions host
/// enforces its own keys; this is the standalone host's equivalent.</summary>
public static class HostSecurityExtensions
{
    /// <summary>The CORS policy's name.</summary>
    private const string CorsPolicy = "LlmFunctions:Http:AllowedOrigins";

    /// <summary>Registers the keys and limits (validated when the host starts: a bad setting stops it, by name).</summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddHostSecurity(this IServiceCollection services)
    {
        // Read from the built configuration (tests and hosts add sources after registration); the guard resolves both
        // when the host starts, so a bad setting stops start-up.
        services.AddSingleton(sp => HostKeys.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IStatusLinkCodes>(sp => sp.GetRequiredService<HostKeys>());
        services.AddSingleton(sp => new KeyRateLimiter(
            KeyLimits.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<HostKeys>()),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddHostedService<AnonymousLoopbackGuard>();
        // No origin configured: a policy allowing none, so no CORS header is ever sent (CORS off).
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<HttpOptions>>((cors, http) =>
        {
            var origins = http.Value.AllowedOriginList;
            cors.AddPolicy(CorsPolicy, policy => policy.WithOrigins([.. origins]).AllowAnyHeader().AllowAnyMethod());
        });
        return services;
    }

    /// <summary>Adds the middleware, after routing (they read the endpoint's level) and before the endpoints.</summary>
    /// <param name="app">The application.</param>
    /// <returns>The same application.</returns>
    public static WebApplication UseHostSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRouting();
        app.UseCors(CorsPolicy);
        app.UseMiddleware<CrossSiteRequestGuard>();
        app.UseMiddleware<KeyAuthorizationMiddleware>();
        app.UseMiddleware<KeyRateLimitMiddleware>();
        return app;
    }
}
