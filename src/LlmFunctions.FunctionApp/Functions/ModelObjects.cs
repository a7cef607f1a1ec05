namespace LlmFunctions.FunctionApp.Functions;

/// <summary>OpenAI's model object: <c>{"id","object":"model","created","owned_by"}</c>. Models are served by
/// providers, not released by this gateway, so <c>created</c> is 0.</summary>
/// <param name="id">The id to send as <c>model</c>: <c>Provider/model</c>, an alias, or <c>route:NAME</c>.</param>
/// <param name="owned_by">The provider, or <c>llmfunctions</c> for an alias or a route.</param>
/// <param name="alias_of">What an alias maps to (an extension field), or null.</param>
/// <param name="object">Always <c>model</c>.</param>
/// <param name="created">Always 0.</param>
#pragma warning disable SA1300, IDE1006, CA1707 // JSON names as OpenAI spells them.
internal sealed record ModelObject(string id, string owned_by, string? alias_of = null, string @object = "model", long created = 0);
#pragma warning restore SA1300, IDE1006, CA1707

/// <summary>The models this gateway serves, for <c>ListModels</c> and <c>GetModel</c>.</summary>
internal static class ModelObjects
{
    /// <summary>The alias owner.</summary>
    public const string AliasOwner = "llmfunctions";

    /// <summary>Every provider's models, the aliases, then the routes as <c>route:NAME</c>.</summary>
    public static IEnumerable<ModelObject> All(Routing.ModelRouter router, Routes.RouteCatalog routes) =>
        router.Models().Select(m => new ModelObject(m.Id, m.Provider))
            .Concat(router.Aliases().Select(a => new ModelObject(a.Alias, AliasOwner, a.Target)))
            .Concat(routes.Names.Select(n => new ModelObject(Routes.RouteCatalog.ModelPrefix + n, AliasOwner)));
}
