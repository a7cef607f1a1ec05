using LlmFunctions.StandaloneHost.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>Maps the app's HTTP-triggered functions, with their attributes as the only route table.</summary>
public static class HttpFunctionEndpoints
{
    /// <summary>
    /// Adds what HTTP functions' MVC results need: <c>AddMvcCore()</c>, so that <see cref="Microsoft.AspNetCore.Mvc.ObjectResult"/>
    /// and <see cref="Microsoft.AspNetCore.Mvc.JsonResult"/> find their executors (the worker's ASP.NET Core integration calls <c>AddMvc()</c>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddHttpFunctions(this IServiceCollection services)
    {
        services.AddMvcCore();
        return services;
    }

    /// <summary>
    /// Maps every <see cref="TriggerKind.Http"/> function of <paramref name="catalog"/> at <c>routePrefix/Route</c> (the
    /// prefix from <c>AzureFunctionsJobHost:extensions:http:routePrefix</c>, default <c>api</c>, <c>""</c> for none; a
    /// null <see cref="HttpTriggerAttribute.Route"/> is the function's name), for the attribute's methods (none: any),
    /// with a <see cref="FunctionAuthorizationMetadata"/> on each endpoint.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="catalog">The app's functions.</param>
    /// <param name="configuration">The configuration holding the route prefix.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="InvalidOperationException">A function has a parameter or return type the host cannot bind, or a bad route; the message names it.</exception>
    public static IEndpointRouteBuilder MapHttpFunctions(this IEndpointRouteBuilder endpoints, FunctionCatalog catalog, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(configuration);
        var prefix = HttpFunctionRoute.Prefix(configuration);
        var isService = endpoints.ServiceProvider.GetService<IServiceProviderIsService>();
        var logger = endpoints.ServiceProvider.GetRequiredService<ILogger<HttpFunctionHandler>>();
        foreach (var function in catalog.OfKind(TriggerKind.Http))
        {
            var trigger = (HttpTriggerAttribute)function.Trigger;
            var pattern = HttpFunctionRoute.Pattern(function, trigger, prefix);
            var handler = new HttpFunctionHandler(function, pattern, logger);
            if (handler.NeedsDurableClient && isService?.IsService(typeof(DurableTaskClient)) == false)
            {
                throw new InvalidOperationException($"Function '{function.Name}' takes a [DurableClient] {nameof(DurableTaskClient)}, but none is registered.");
            }

            var builder = endpoints.Map(pattern, handler.HandleAsync)
                .WithDisplayName($"Function {function.Name}: {pattern.RawText}")
                .WithMetadata(new FunctionAuthorizationMetadata(trigger.AuthLevel, function.Name, HttpFunctionRoute.IsOpenAi(function, trigger)));
            if (trigger.Methods is { Length: > 0 } methods)
            {
                builder.WithMetadata(new HttpMethodMetadata([.. methods.Select(m => m.Trim().ToUpperInvariant())]));
            }
        }

        return endpoints;
    }
}
