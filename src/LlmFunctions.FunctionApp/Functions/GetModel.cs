using LlmFunctions.FunctionApp.Http;
using LlmFunctions.Routing;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// HTTP trigger <c>GetModel</c>, GET <c>/v1/models/{id}</c>, OpenAI-compatible: one model of <c>/v1/models</c>
/// (the id may hold slashes, <c>Groq/llama-3.3-70b-versatile</c>, sent as is or escaped as <c>%2F</c>); 404
/// <c>model_not_found</c> otherwise.
/// </summary>
/// <param name="router">The model router.</param>
/// <param name="routes">The configured routes.</param>
public sealed class GetModel(ModelRouter router, Routes.RouteCatalog routes)
{
    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="id">The model id from the route.</param>
    /// <returns>The model object, or the 404.</returns>
    [Function(nameof(GetModel))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/models/{*id}")] HttpRequest request, string? id)
    {
        _ = request;
        var wanted = Uri.UnescapeDataString(id ?? string.Empty);
        var model = ModelObjects.All(router, routes).FirstOrDefault(m => string.Equals(m.id, wanted, StringComparison.OrdinalIgnoreCase));
        return model is not null
            ? Results.Json(model)
            : OpenAiError.Result(
                StatusCodes.Status404NotFound,
                OpenAiError.InvalidRequest,
                $"The model '{(wanted.Length <= 256 ? wanted : wanted[..256] + "…")}' does not exist or no usable provider serves it; GET /v1/models lists the models served",
                "model",
                "model_not_found");
    }
}
