using LlmFunctions.Providers;
using LlmFunctions.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Tests.OpenAi;

public sealed class ModelRouterTests
{
    private static readonly ProviderCatalog Catalog = ProviderCatalog.Load(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GROQ_API_KEY"] = "gsk_abcdefghijklmnop",
            ["CEREBRAS_API_KEY"] = "csk_abcdefghijklmnop",
            ["CLOUDFLARE_API_TOKEN"] = "cf_abcdefghijklmnop",
            ["CLOUDFLARE_ACCOUNT_ID"] = "acc",
            ["LlmFunctions:Providers:Cerebras:Models:0"] = "llama3.1-8b",
            ["LlmFunctions:Providers:Cerebras:Models:1"] = "shared-model",
            ["LlmFunctions:Providers:Groq:Models:0"] = "llama-3.3-70b-versatile",
            ["LlmFunctions:Providers:Groq:Models:1"] = "shared-model",
        })
        .Build());

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("AUTO", null)]
    [InlineData("groq", "Groq")]
    [InlineData("Groq/LLAMA-3.3-70b-versatile", "Groq/llama-3.3-70b-versatile")]
    [InlineData("@cf/meta/llama-3.1-8b-instruct", "Cloudflare/@cf/meta/llama-3.1-8b-instruct")]
    [InlineData("Cloudflare/@cf/meta/llama-3.1-8b-instruct", "Cloudflare/@cf/meta/llama-3.1-8b-instruct")]
    [InlineData("shared-model", "Cerebras/shared-model,Groq/shared-model")]
    [InlineData("fast", "Cerebras/llama3.1-8b")]
    [InlineData("to-a-provider", "Groq")]
    public void Resolve_ServedModelsProvidersAndAliases_AreTriedFirst(string? model, string? hints)
    {
        var route = Router().Resolve(model);

        Assert.Null(route.NotFoundMessage);
        Assert.Equal(hints, route.Hints is null ? null : string.Join(',', route.Hints.Order(StringComparer.Ordinal)));
    }

    [Theory]
    [InlineData("gpt-4o-mini")]
    [InlineData("Groq/not-served")]
    [InlineData("NoSuchProvider/llama3.1-8b")]
    [InlineData("dangling")]
    public void Resolve_ModelNobodyServes_IsNotFoundWithoutADefaultRoute(string model)
    {
        var route = Router().Resolve(model);

        Assert.Null(route.Hints);
        Assert.Contains($"'{model}'", route.NotFoundMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("Cerebras", "Cerebras")]
    public void Resolve_ModelNobodyServes_GoesToTheDefaultRoute(string defaultRoute, string? hints)
    {
        var route = Router(defaultRoute).Resolve("gpt-4o-mini");

        Assert.Null(route.NotFoundMessage);
        Assert.Equal(hints, route.Hints is null ? null : string.Join(',', route.Hints));
    }

    [Fact]
    public void Models_ListEveryUsableProviderModel_AndAliasesWhoseTargetIsServed()
    {
        var router = Router();

        Assert.Contains(("Cerebras/shared-model", "Cerebras"), router.Models());
        Assert.Contains(("Cloudflare/@cf/meta/llama-3.1-8b-instruct", "Cloudflare"), router.Models());
        Assert.Equal(["fast", "to-a-provider"], router.Aliases().Select(a => a.Alias).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validator_AliasToAnotherAliasOrEmpty_FailsNamingTheSetting()
    {
        var options = new ModelRoutingOptions { Aliases = new(StringComparer.OrdinalIgnoreCase) { ["a"] = "b", ["b"] = "Groq", ["c"] = " " } };

        var result = new ModelRoutingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("LlmFunctions:Models:Aliases:a must not name another alias ('b')", result.Failures!);
        Assert.Contains(result.Failures!, f => f.StartsWith("LlmFunctions:Models:Aliases:c must name a provider", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("route:recipes", "recipes")]
    [InlineData("ROUTE:Recipes", "Recipes")]
    [InlineData("gpt-4o", "recipes")]
    [InlineData("fast", null)]
    [InlineData(null, null)]
    public void RouteOf_RoutePrefixOrAnAliasOfARoute_NamesTheRoute(string? model, string? route) =>
        Assert.Equal(route, Router().RouteOf(model));

    private static ModelRouter Router(string defaultRoute = "") => new(Catalog, Options.Create(new ModelRoutingOptions
    {
        Aliases = new(StringComparer.OrdinalIgnoreCase) { ["fast"] = "Cerebras/llama3.1-8b", ["to-a-provider"] = "groq", ["dangling"] = "Gone/x", ["gpt-4o"] = "route:recipes" },
        DefaultRoute = defaultRoute,
    }));
}
