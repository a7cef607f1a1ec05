using System.Globalization;
using LlmFunctions.FunctionApp.Http;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// POST <c>/api/providers/{name}/reset|disable|enable</c>: manual operations on a provider's shared health, for every
/// model or the one named by <c>?model=</c>. <c>disable</c> takes <c>?minutes=</c> (default 1440) and <c>?reason=</c>.
/// </summary>
/// <param name="catalog">The providers.</param>
/// <param name="health">The health store.</param>
/// <param name="time">The time source.</param>
public sealed class ProviderAdmin(ProviderCatalog catalog, ProviderHealthStore health, TimeProvider time)
{
    private const int MaxDisableMinutes = 525_600;

    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="name">The provider's name, from the route.</param>
    /// <param name="operation">reset, disable or enable, from the route.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>The models' new states, or the error.</returns>
    [Function(nameof(ProviderAdmin))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "api/providers/{name}/{operation}")] HttpRequest request,
        string name,
        string operation,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(operation);
        var provider = catalog.Find(name);
        if (provider is null && catalog.Skipped.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)) is { } skipped)
        {
            return Problem(StatusCodes.Status404NotFound, "name", $"provider '{skipped.Name}' is not in use: {skipped.Reason}");
        }

        if (provider is null)
        {
            return Problem(StatusCodes.Status404NotFound, "name", $"unknown provider '{Clip(name)}'; known: {string.Join(", ", catalog.Providers.Select(p => p.Name))}");
        }

        var model = request.Query["model"].ToString();
        if (model.Length > 0 && !provider.Models.Contains(model, StringComparer.Ordinal))
        {
            return Problem(StatusCodes.Status404NotFound, "model", $"provider '{provider.Name}' has no model '{Clip(model)}'; its models: {string.Join(", ", provider.Models)}");
        }

        var keys = (model.Length > 0 ? [model] : provider.Models).Select(m => new ProviderKey(provider.Name, m)).ToList();
        Func<ProviderKey, Task<HealthChange>> apply;
        switch (operation.ToLowerInvariant())
        {
            case "reset":
                apply = k => health.ResetAsync(k, cancellationToken);
                break;
            case "enable":
                apply = k => health.EnableAsync(k, cancellationToken);
                break;
            case "disable":
                var minutesText = request.Query["minutes"].ToString();
                var minutes = 1440;
                if (minutesText.Length > 0 && (!int.TryParse(minutesText, NumberStyles.Integer, CultureInfo.InvariantCulture, out minutes) || minutes < 1 || minutes > MaxDisableMinutes))
                {
                    return Problem(StatusCodes.Status400BadRequest, "minutes", $"must be a whole number from 1 to {MaxDisableMinutes}, was '{Clip(minutesText)}'");
                }

                var reason = request.Query["reason"].ToString();
                if (reason.Length > 256)
                {
                    return Problem(StatusCodes.Status400BadRequest, "reason", $"must be at most 256 characters, was {reason.Length}");
                }

                var until = time.GetUtcNow().AddMinutes(minutes);
                reason = reason.Length > 0 ? $"disabled by an operator: {reason}" : "disabled by an operator";
                apply = k => health.DisableAsync(k, until, reason, cancellationToken);
                break;
            default:
                return Problem(StatusCodes.Status404NotFound, "operation", $"unknown operation '{Clip(operation)}'; use reset, disable or enable");
        }

        var now = time.GetUtcNow();
        var results = new List<ModelStateView>();
        foreach (var key in keys)
        {
            results.Add(ModelStateView.From((await apply(key)).Current, now));
        }

        return Results.Json(new { provider = provider.Name, operation = operation.ToLowerInvariant(), models = results });
    }

    private static IResult Problem(int status, string field, string message) =>
        OpenAiError.Result(status, OpenAiError.InvalidRequest, message, field, status == StatusCodes.Status404NotFound ? "not_found" : null);

    private static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
