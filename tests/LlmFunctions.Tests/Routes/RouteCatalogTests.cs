using LlmFunctions.Failover;
using LlmFunctions.Routes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Tests.Routes;

public sealed class RouteCatalogTests
{
    private static readonly Dictionary<string, string?> Providers = new()
    {
        ["GROQ_API_KEY"] = "gsk_abcdefghijklmnop",
        ["CEREBRAS_API_KEY"] = "csk_abcdefghijklmnop",
        ["LlmFunctions:Providers:Groq:Models:0"] = "llama-3.3-70b-versatile",
        ["LlmFunctions:Providers:Groq:Models:1"] = "llama-3.1-8b-instant",
        ["LlmFunctions:Providers:Cerebras:Models:0"] = "llama3.1-8b",
    };

    private static readonly Dictionary<string, string?> Recipes = new()
    {
        ["LlmFunctions:Tiers:PREMIUM:0"] = "Groq/llama-3.3-70b-versatile",
        ["LlmFunctions:Tiers:BUDGET:0"] = "Cerebras",
        ["LlmFunctions:Tiers:BUDGET:1"] = "Groq/llama-3.1-8b-instant",
        ["LlmFunctions:Routes:recipes:Spreading"] = "quota-aware",
        ["LlmFunctions:Routes:recipes:Cache:FreshSeconds"] = "60",
        ["LlmFunctions:Routes:recipes:Steps:0:Strategy"] = "tiers",
        ["LlmFunctions:Routes:recipes:Steps:0:Tiers:0"] = "PREMIUM",
        ["LlmFunctions:Routes:recipes:Steps:0:Tiers:1"] = "BUDGET",
        ["LlmFunctions:Routes:recipes:Steps:0:DeadlineSeconds"] = "20",
        ["LlmFunctions:Routes:recipes:Steps:1:Strategy"] = "simplified",
        ["LlmFunctions:Routes:recipes:Steps:1:KeepLastMessages"] = "1",
        ["LlmFunctions:Routes:recipes:Steps:2:Strategy"] = "cache",
        ["LlmFunctions:Routes:recipes:Steps:3:Strategy"] = "preset",
        ["LlmFunctions:Routes:recipes:Steps:3:Json"] = """{"recipes":[]}""",
    };

    [Fact]
    public void Compile_ARouteWithTiersSimplifiedCacheAndPreset_FlattensTiersIntoStagesInOrder()
    {
        var catalog = Catalog(Recipes);

        var plan = catalog.Find("RECIPES")!;

        Assert.Equal(SpreadingStrategy.QuotaAware, plan.Spreading);
        Assert.Equal(
            ["Tier:PREMIUM:0", "Tier:BUDGET:0", "Simplified:PREMIUM:1", "Simplified:BUDGET:1", "Cache::2", "Preset::3"],
            plan.Stages.Select(s => $"{s.Strategy}:{s.Tier}:{s.Step}"));
        Assert.Equal(["Cerebras", "Groq/llama-3.1-8b-instant"], plan.Stages[1].Members);
        Assert.Equal(20, plan.Stages[0].DeadlineSeconds);
        Assert.Equal(TimeSpan.FromSeconds(60), plan.CacheFresh);
        Assert.Equal(TimeSpan.FromDays(1), plan.CacheKeep);
        Assert.True(plan.StoresAnswers);
    }

    [Fact]
    public void Compile_ARouteWithoutCacheStepOrFreshCache_StoresNoAnswers()
    {
        var plan = Catalog(new()
        {
            ["LlmFunctions:Tiers:T:0"] = "Groq",
            ["LlmFunctions:Routes:r:Steps:0:Strategy"] = "tiers",
            ["LlmFunctions:Routes:r:Steps:0:Tiers:0"] = "T",
            ["LlmFunctions:Routes:r:Steps:1:Strategy"] = "degraded",
            ["LlmFunctions:Routes:r:Steps:1:Text"] = "Busy; try later.",
        }).Find("r")!;

        Assert.False(plan.StoresAnswers);
        Assert.Equal("Busy; try later.", plan.Stages[1].Answer);
    }

    [Theory]
    [InlineData("LlmFunctions:Routes:r:Steps:0:Strategy", "magic", "LlmFunctions:Routes:r:Steps:0:Strategy must be one of tiers, simplified, cache, degraded, preset")]
    [InlineData("LlmFunctions:Routes:r:Steps:0:Tiers:0", "NOPE", "LlmFunctions:Routes:r:Steps:0:Tiers names 'NOPE', which is not a tier of LlmFunctions:Tiers")]
    [InlineData("LlmFunctions:Routes:r:Steps:0:DeadlineSeconds", "0", "LlmFunctions:Routes:r:Steps:0:DeadlineSeconds must be between 1 and 3600")]
    [InlineData("LlmFunctions:Routes:r:Steps:0:Text", "hello", "LlmFunctions:Routes:r:Steps:0:Text is not used by a tiers step")]
    [InlineData("LlmFunctions:Routes:r:Spreading", "round-robin", "LlmFunctions:Routes:r:Spreading must be one of priority, weighted, least-busy, quota-aware")]
    [InlineData("LlmFunctions:Routes:r:Cache:KeepSeconds", "-1", "LlmFunctions:Routes:r:Cache:KeepSeconds must be between")]
    [InlineData("LlmFunctions:Tiers:T:1", "Mistral/large", "LlmFunctions:Tiers:T:1 names 'Mistral/large', whose provider is not configured")]
    [InlineData("LlmFunctions:Tiers:T:1", "Groq/gpt-9", "LlmFunctions:Tiers:T:1 names 'Groq/gpt-9', a model Groq does not serve")]
    [InlineData("LlmFunctions:Routes:r:Steps:1:Strategy", "preset", "LlmFunctions:Routes:r:Steps:1:Json must hold 1 to 100000 characters")]
    [InlineData("LlmFunctions:Routes:r:Steps:1:Strategy", "simplified", "LlmFunctions:Routes:r:Steps:1: a simplified step needs SystemPrompt, KeepLastMessages or MaxTokens")]
    public void Start_ABadRouteSetting_FailsNamingTheSetting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LlmFunctions:Tiers:T:0"] = "Groq",
            ["LlmFunctions:Routes:r:Steps:0:Strategy"] = "tiers",
            ["LlmFunctions:Routes:r:Steps:0:Tiers:0"] = "T",
            [key] = value,
        };

        var error = Assert.Throws<OptionsValidationException>(() => Catalog(settings));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_AMisspeltRouteSetting_FailsNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Catalog(new()
        {
            ["LlmFunctions:Tiers:T:0"] = "Groq",
            ["LlmFunctions:Routes:r:Step:0:Strategy"] = "tiers",
        }));

        Assert.Contains("'Step'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ATierNamingAKnownProviderWithoutKey_IsAcceptedAndHasNoCandidate()
    {
        var plan = Catalog(new()
        {
            ["LlmFunctions:Tiers:T:0"] = "SambaNova",
            ["LlmFunctions:Routes:r:Steps:0:Strategy"] = "tiers",
            ["LlmFunctions:Routes:r:Steps:0:Tiers:0"] = "T",
        }).Find("r")!;

        Assert.Equal(["SambaNova"], plan.Stages[0].Members);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("cache, DEGRADED", "Cache,Degraded")]
    [InlineData("all", "Simplified,Cache,Degraded,Preset")]
    public void ParseForbidden_KnownValues_AreParsed(string? header, string expected)
    {
        var (forbidden, error) = RouteCatalog.ParseForbidden(header);

        Assert.Null(error);
        Assert.Equal(expected, string.Join(',', forbidden));
    }

    [Fact]
    public void ParseForbidden_AnUnknownValue_NamesTheHeaderAndTheValuesAllowed()
    {
        var (_, error) = RouteCatalog.ParseForbidden("cache,providers");

        Assert.Equal("x-llmfunctions-forbid must list simplified, cache, degraded, preset or all (comma-separated), held 'providers'", error);
    }

    private static RouteCatalog Catalog(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Providers).AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddLlmFunctionsGateway(configuration).BuildServiceProvider();
        return services.GetRequiredService<RouteCatalog>();
    }
}
