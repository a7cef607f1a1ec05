using LlmFunctions.Routing;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// HTTP trigger <c>ListModels</c>, GET <c>/v1/models</c>, OpenAI-compatible: every model a usable provider serves, as
/// <c>Provider/model</c> (the value to send as <c>model</c> to try it first), then the configured aliases and routes (<c>route:NAME</c>).
/// </summary>
/// <param name="router">The model router.</param>
/// <param name="routes">The configured routes.</param>
public sealed class ListModels(ModelRouter router, Routes.RouteCatalog routes)
{
    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <returns>OpenAI's list: <c>{"object":"list","data":[model...]}</c>.</returns>
    [Function(nameof(ListModels))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/models")] HttpRequest request)
    {
        _ = request;
        return Results.Json(new { @object = "list", data = ModelObjects.All(router, routes).ToList() });
    }
}
