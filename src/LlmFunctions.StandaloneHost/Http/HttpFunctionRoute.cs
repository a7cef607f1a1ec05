using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using FunctionDefinition = LlmFunctions.StandaloneHost.Functions.FunctionDefinition;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>The route of an HTTP function, composed as the Functions host composes it.</summary>
internal static class HttpFunctionRoute
{
    /// <summary>Where the Functions host reads host.json's <c>extensions.http.routePrefix</c>.</summary>
    public const string RoutePrefixSetting = "AzureFunctionsJobHost:extensions:http:routePrefix";

    public const string DefaultRoutePrefix = "api";

    /// <summary>The route prefix: the setting when present (<c>""</c> means none), else <c>api</c>.</summary>
    public static string Prefix(IConfiguration configuration) =>
        (configuration[RoutePrefixSetting] ?? DefaultRoutePrefix).Trim().Trim('/');

    /// <summary>Whether the function's route (before the prefix) is an OpenAI one: <c>v1</c> or under <c>v1/</c>.</summary>
    public static bool IsOpenAi(FunctionDefinition function, HttpTriggerAttribute trigger)
    {
        var route = (trigger.Route ?? function.Name).Trim().Trim('/');
        return route.Equals("v1", StringComparison.OrdinalIgnoreCase) || route.StartsWith("v1/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Parses <c>prefix/route</c>; a null route is the function's name.</summary>
    public static RoutePattern Pattern(FunctionDefinition function, HttpTriggerAttribute trigger, string prefix)
    {
        var route = (trigger.Route ?? function.Name).Trim().Trim('/');
        var template = "/" + string.Join('/', new[] { prefix, route }.Where(s => s.Length > 0));
        try
        {
            return RoutePatternFactory.Parse(template);
        }
        catch (RoutePatternException ex)
        {
            throw new InvalidOperationException($"Function '{function.Name}': route \"{template}\" is not a valid route template: {ex.Message}", ex);
        }
    }
}
