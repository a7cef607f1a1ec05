using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Http;
using LlmFunctions.Routes;
using LlmFunctions.Routing;
using Microsoft.Net.Http.Headers;
using static LlmFunctions.FunctionApp.Functions.ChatCompletionResults;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// Where a validated request goes: a route named by the <c>x-llmfunctions-route</c> header, by <c>"model":
/// "route:NAME"</c> or by an alias whose target is <c>route:NAME</c>; otherwise the default path, with the providers the
/// model names tried first. The caller may forbid steps beyond providers (<c>x-llmfunctions-forbid</c>) and skip the
/// fresh cache or the storing of its answer (<c>Cache-Control: no-cache</c>, <c>no-store</c>).
/// </summary>
internal static class RequestRoutes
{
    /// <summary>Resolves the request's route and starts its run.</summary>
    /// <param name="router">Maps models to providers.</param>
    /// <param name="routes">The configured routes.</param>
    /// <param name="input">The validated body.</param>
    /// <param name="request">The HTTP request (headers).</param>
    /// <param name="failover">The failover settings (deadline).</param>
    /// <param name="arrived">When the request arrived.</param>
    /// <returns>The run, or the 400/404 to answer instead.</returns>
    public static (RouteRun? Run, IResult? Refused) Resolve(
        ModelRouter router, RouteCatalog routes, ChatCompletionInput input, HttpRequest request, FailoverOptions failover, DateTimeOffset arrived)
    {
        var headerRoute = request.Headers[RouteCatalog.RouteHeader].ToString();
        if (headerRoute.Length > 0 && !RouteCatalog.IsName(headerRoute))
        {
            return Refuse(StatusCodes.Status400BadRequest, $"{RouteCatalog.RouteHeader} must be a route name: 1 to 64 letters, digits, '-', '_' or '.'", RouteCatalog.RouteHeader, "invalid_route");
        }

        var modelRoute = router.RouteOf(input.Model);
        if (headerRoute.Length > 0 && modelRoute is not null && !string.Equals(headerRoute, modelRoute, StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(StatusCodes.Status400BadRequest, $"{RouteCatalog.RouteHeader} names route '{headerRoute}' and model names route '{modelRoute}': name one route", "model", "invalid_route");
        }

        var (forbidden, forbidError) = RouteCatalog.ParseForbidden(request.Headers[RouteCatalog.ForbidHeader].ToString());
        if (forbidError is not null)
        {
            return Refuse(StatusCodes.Status400BadRequest, forbidError, RouteCatalog.ForbidHeader, "invalid_forbid");
        }

        var name = headerRoute.Length > 0 ? headerRoute : modelRoute;
        RoutePlan plan;
        IReadOnlyList<string>? hints = null;
        if (name is not null)
        {
            if (routes.Find(name) is not { } found)
            {
                var known = string.Join(", ", routes.Names.Select(n => RouteCatalog.ModelPrefix + n));
                return Refuse(StatusCodes.Status404NotFound, $"The route '{name}' is not configured ({RouteOptions.RoutesSection}); routes: {(known.Length > 0 ? known : "none")}", "model", "model_not_found");
            }

            if (router.NobodyCanHonour(input.Messages, input.Parameters) is { } field)
            {
                return Refuse(StatusCodes.Status400BadRequest, $"{field.Reason} ({field.Field}), and no other provider is configured", field.Field, "unsupported_field");
            }

            plan = found;
        }
        else
        {
            (hints, var refused) = ChatCompletions.Route(router, input);
            if (refused is not null)
            {
                return (null, refused);
            }

            plan = RoutePlan.Default;
        }

        var prompt = ChatCompletions.ToPromptRequest(input, hints, failover, arrived);
        var cacheControl = CacheControlHeaderValue.TryParse(request.Headers.CacheControl.ToString(), out var parsed) ? parsed : null;
        var run = RouteRun.Start(plan, prompt, forbidden, CacheKey(plan, input), arrived);
        if (run is null)
        {
            return Refuse(StatusCodes.Status400BadRequest, $"{RouteCatalog.ForbidHeader} forbids every step of route '{plan.Name}'", RouteCatalog.ForbidHeader, "invalid_forbid");
        }

        return (run with { NoCache = cacheControl?.NoCache ?? false, NoStore = cacheControl?.NoStore ?? false }, null);
    }

    // Scoped by route: the same prompt on two routes may deserve two answers.
    private static string? CacheKey(RoutePlan plan, ChatCompletionInput input) =>
        plan.Name is { } route && (plan.StoresAnswers || plan.CacheFresh > TimeSpan.Zero)
            ? Caching.ResponseCacheKey.Compute(route, input.Messages, input.Parameters)
            : null;

    private static (RouteRun?, IResult?) Refuse(int status, string message, string param, string code) =>
        (null, Error(status, OpenAiError.InvalidRequest, message, param, code));
}
