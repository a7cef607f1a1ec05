using LlmFunctions.Providers;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Routing;

/// <summary>
/// Maps a request's <c>model</c> to the providers to try first. In order: empty or <c>auto</c> is any provider; an
/// alias is replaced by its target; a provider's name (<c>Groq</c>) puts its models first; <c>Provider/model</c> puts
/// that model first; a model id served by some providers puts them first. The rest follow by priority, as fallbacks.
/// A model nobody serves goes to <see cref="ModelRoutingOptions.DefaultRoute"/>, or is refused (404
/// <c>model_not_found</c>). Pure given the catalog and the settings.
/// </summary>
/// <param name="catalog">The usable providers.</param>
/// <param name="options">The routing settings.</param>
public sealed class ModelRouter(ProviderCatalog catalog, IOptions<ModelRoutingOptions> options)
{
    /// <summary>Resolves <paramref name="model"/>.</summary>
    /// <param name="model">The request's model, or null.</param>
    /// <returns>The provider hints (null for any provider), or why the model is not served.</returns>
    public ModelRoute Resolve(string? model)
    {
        var settings = options.Value;
        if (IsAuto(model))
        {
            return ModelRoute.Any;
        }

        if (settings.Aliases.TryGetValue(model!, out var target))
        {
            return Match(target) is { } aliased
                ? aliased
                : ModelRoute.NotFound($"The model '{model}' is an alias of '{target}', which no usable provider serves");
        }

        if (Match(model!) is { } route)
        {
            return route;
        }

        if (IsAuto(settings.DefaultRoute) && settings.DefaultRoute.Length > 0)
        {
            return ModelRoute.Any;
        }

        return settings.DefaultRoute.Length > 0 && Match(settings.DefaultRoute) is { } fallback
            ? fallback
            : ModelRoute.NotFound($"The model '{model}' does not exist or no usable provider serves it; GET /v1/models lists the models served");
    }

    /// <summary>The route a model names: <c>route:NAME</c>, or an alias whose target is <c>route:NAME</c>.</summary>
    /// <param name="model">The request's model, or null.</param>
    /// <returns>The route's name, or null when the model names no route.</returns>
    public string? RouteOf(string? model)
    {
        const string Prefix = Routes.RouteCatalog.ModelPrefix;
        if (model is null)
        {
            return null;
        }

        if (model.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return model[Prefix.Length..];
        }

        return options.Value.Aliases.TryGetValue(model, out var target) && target.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            ? target[Prefix.Length..]
            : null;
    }

    /// <summary>Names a field of the request that no usable provider can honour (every one of them is of a kind that
    /// cannot, such as Cloudflare Workers AI with tools), or null when some provider can.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="parameters">The other body fields.</param>
    /// <returns>The field and the reason, or null.</returns>
    public (string Field, string Reason)? NobodyCanHonour(IReadOnlyList<ChatMessage> messages, System.Text.Json.JsonElement? parameters) =>
        catalog.Providers.Count > 0 && catalog.Providers.All(p => p.Kind == ProviderKind.CloudflareWorkersAi)
            ? CloudflareTranslation.CannotHonour(messages, parameters)
            : null;

    /// <summary>Every model served, as <c>Provider/model</c>, with its provider, in priority order.</summary>
    /// <returns>The models.</returns>
    public IEnumerable<(string Id, string Provider)> Models() =>
        catalog.Providers.SelectMany(p => p.Models.Select(m => ($"{p.Name}/{m}", p.Name)));

    /// <summary>The aliases whose target is served, with the id they map to.</summary>
    /// <returns>The aliases.</returns>
    public IEnumerable<(string Alias, string Target)> Aliases() =>
        options.Value.Aliases.Where(a => Match(a.Value) is not null).Select(a => (a.Key, a.Value));

    private static bool IsAuto(string? model) =>
        string.IsNullOrWhiteSpace(model) || string.Equals(model, ModelRoutingOptions.Auto, StringComparison.OrdinalIgnoreCase);

    private ModelRoute? Match(string model)
    {
        if (IsAuto(model))
        {
            return ModelRoute.Any;
        }

        if (catalog.Find(model) is { } provider)
        {
            return ModelRoute.First([provider.Name]);
        }

        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && catalog.Find(model[..slash]) is { } named)
        {
            var id = model[(slash + 1)..];
            return named.Models.FirstOrDefault(m => string.Equals(m, id, StringComparison.OrdinalIgnoreCase)) is { } served
                ? ModelRoute.First([$"{named.Name}/{served}"])
                : null;
        }

        // A bare model id (model ids may hold slashes too: "@cf/meta/llama-3.1-8b-instruct").
        var keys = catalog.Providers
            .SelectMany(p => p.Models.Where(m => string.Equals(m, model, StringComparison.OrdinalIgnoreCase)).Select(m => $"{p.Name}/{m}"))
            .ToList();
        return keys.Count > 0 ? ModelRoute.First(keys) : null;
    }
}

/// <summary>Where a request's model routes.</summary>
/// <param name="Hints">The provider names or <c>Provider/model</c> keys to try first, in order; null for any.</param>
/// <param name="NotFoundMessage">Why the model is not served, when it is not; then <see cref="Hints"/> is null.</param>
public sealed record ModelRoute(IReadOnlyList<string>? Hints, string? NotFoundMessage = null)
{
    /// <summary>Gets the route that lets every provider serve the request by priority.</summary>
    public static ModelRoute Any { get; } = new(Hints: null);

    /// <summary>Tries <paramref name="hints"/> first.</summary>
    /// <param name="hints">Provider names or keys.</param>
    /// <returns>The route.</returns>
    public static ModelRoute First(IReadOnlyList<string> hints) => new(hints);

    /// <summary>A model nobody serves.</summary>
    /// <param name="message">Why.</param>
    /// <returns>The route.</returns>
    public static ModelRoute NotFound(string message) => new(Hints: null, message);
}
