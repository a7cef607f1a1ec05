using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmFunctions.Tests.Routes;

/// <summary>A route's chain, step by step, through the whole app (standalone host, Azurite, the provider simulator),
/// on a fake gateway clock.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class RouteChainTests(AzuriteFixture azurite)
{
    private const string Degraded = "Recipes are unavailable right now; here is a classic: boil pasta, add sauce.";

    // PREMIUM is Groq, STANDARD is Cerebras; the simplified step keeps the last message under a short system prompt.
    private static readonly Dictionary<string, string?> Recipes = new()
    {
        ["LlmFunctions:Tiers:PREMIUM:0"] = "Groq",
        ["LlmFunctions:Tiers:STANDARD:0"] = "Cerebras",
        ["LlmFunctions:Routes:recipes:Steps:0:Strategy"] = "tiers",
        ["LlmFunctions:Routes:recipes:Steps:0:Tiers:0"] = "PREMIUM",
        ["LlmFunctions:Routes:recipes:Steps:0:Tiers:1"] = "STANDARD",
        ["LlmFunctions:Routes:recipes:Steps:1:Strategy"] = "simplified",
        ["LlmFunctions:Routes:recipes:Steps:1:SystemPrompt"] = "Be brief.",
        ["LlmFunctions:Routes:recipes:Steps:1:KeepLastMessages"] = "1",
        ["LlmFunctions:Routes:recipes:Steps:2:Strategy"] = "cache",
        ["LlmFunctions:Routes:recipes:Steps:3:Strategy"] = "degraded",
        ["LlmFunctions:Routes:recipes:Steps:3:Text"] = Degraded,
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Tier1Dead_Tier2Answers_AndTheAnswerSaysWhichTier()
    {
        await using var app = await StartAsync(("Groq", "\"status\": 401"), ("Cerebras", string.Empty));

        using var response = await PostAsync(app, Ask("a soup"), route: "recipes");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("tier", response.Headers.GetValues("x-llmfunctions-strategy").Single());
        var meta = (await JsonAsync(response)).GetProperty("llmfunctions");
        Assert.Equal("tier", meta.GetProperty("strategy").GetString());
        Assert.Equal("STANDARD", meta.GetProperty("tier").GetString());
        Assert.Equal("recipes", meta.GetProperty("route").GetString());
        Assert.Equal(["Groq:401", "Cerebras:200"], meta.GetProperty("attempts").EnumerateArray().Select(a => $"{a.GetProperty("provider").GetString()}:{a.GetProperty("http_status").GetInt32()}"));
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task EveryTierRefusesTheLongPrompt_TheSimplifiedPromptIsAnswered()
    {
        var settings = new Dictionary<string, string?>(Recipes)
        {
            ["LlmFunctions:Providers:Groq:MaxPromptChars"] = "200",
            ["LlmFunctions:Providers:Cerebras:MaxPromptChars"] = "200",
        };
        await using var app = await StartAsync(settings, ("Groq", string.Empty), ("Cerebras", string.Empty));
        var history = new string('h', 300);
        var body = $$"""{"messages":[{"role":"system","content":"You are a chef with a very long brief."},{"role":"user","content":"{{history}}"},{"role":"assistant","content":"ok"},{"role":"user","content":"a soup"}]}""";

        using var response = await PostAsync(app, body, model: "route:recipes");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var meta = (await JsonAsync(response)).GetProperty("llmfunctions");
        Assert.Equal("simplified", meta.GetProperty("strategy").GetString());
        Assert.Equal("PREMIUM", meta.GetProperty("tier").GetString());
        using var sent = JsonDocument.Parse(app.Simulator.ReceivedBodies("Groq").Single());
        Assert.Equal(
            ["system:Be brief.", "user:a soup"],
            sent.RootElement.GetProperty("messages").EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()}:{m.GetProperty("content").GetString()}"));
    }

    [Fact]
    public async Task EveryProviderFailing_NothingCached_TheDegradedAnswerIsServed_AndAForbiddenStepIsNot()
    {
        await using var app = await StartAsync(("Groq", "\"status\": 403"), ("Cerebras", "\"status\": 403"));

        using var degraded = await PostAsync(app, Ask("a soup"), route: "recipes");
        using var forbidden = await PostAsync(app, Ask("a stew"), route: "recipes", forbid: "degraded");

        Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
        var json = await JsonAsync(degraded);
        Assert.Equal(Degraded, json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("degraded", json.GetProperty("llmfunctions").GetProperty("strategy").GetString());
        Assert.Equal("route:recipes", json.GetProperty("model").GetString());
        Assert.Equal(2, json.GetProperty("llmfunctions").GetProperty("attempts").GetArrayLength());
        // The 403s disabled both providers: without the degraded step the caller hears so.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, forbidden.StatusCode);
        Assert.False((await forbidden.Content.ReadAsStringAsync()).Contains(Degraded, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DegradedAnswer_ToAStreamingSdkClient_StreamsTheTextAndEnds()
    {
        await using var app = await StartAsync(("Groq", "\"status\": 403"), ("Cerebras", "\"status\": 403"));

        Assert.Equal(Degraded, await StreamedTextAsync(app.Client(), "a soup"));
    }

    [Fact]
    public async Task EveryProviderFailing_TheStaleCachedAnswerIsServed_BeforeTheDegradedOne()
    {
        await using var app = await StartAsync(("Groq", string.Empty), ("Cerebras", string.Empty));
        using var first = await PostAsync(app, Ask("a soup"), route: "recipes");
        var answered = await JsonAsync(first);
        foreach (var provider in app.Catalog.Providers)
        {
            await app.Health.DisableAsync(new ProviderKey(provider.Name, provider.Models[0]), _time.GetUtcNow().AddHours(1), "test");
        }

        _time.Advance(TimeSpan.FromMinutes(5));
        using var cached = await PostAsync(app, Ask("a soup"), route: "recipes");
        using var other = await PostAsync(app, Ask("a stew"), route: "recipes");

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        Assert.Equal("cache", cached.Headers.GetValues("x-llmfunctions-strategy").Single());
        var json = await JsonAsync(cached);
        Assert.Equal(Content(answered), Content(json));
        var facts = json.GetProperty("llmfunctions").GetProperty("cache");
        Assert.True(facts.GetProperty("stale").GetBoolean());
        Assert.Equal(300, facts.GetProperty("age_seconds").GetInt64());
        Assert.Equal("degraded", (await JsonAsync(other)).GetProperty("llmfunctions").GetProperty("strategy").GetString());
        Assert.Equal(1, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task FreshCache_AHitCostsNoProviderCall_SurvivesARestart_AndExpiresOnTheClock()
    {
        var settings = new Dictionary<string, string?>(Recipes) { ["LlmFunctions:Routes:recipes:Cache:FreshSeconds"] = "60" };
        await using var app = await StartAsync(settings, ("Groq", string.Empty));
        using var first = await PostAsync(app, Ask("a soup"), route: "recipes");
        using var hit = await PostAsync(app, Ask("a soup"), model: "route:recipes");
        using var noCache = await PostAsync(app, Ask("a soup"), route: "recipes", cacheControl: "no-cache");

        Assert.Equal("tier", (await JsonAsync(first)).GetProperty("llmfunctions").GetProperty("strategy").GetString());
        Assert.Equal("cache", hit.Headers.GetValues("x-llmfunctions-strategy").Single());
        Assert.False((await JsonAsync(hit)).GetProperty("llmfunctions").GetProperty("cache").GetProperty("stale").GetBoolean());
        Assert.Equal(Content(await JsonAsync(first)), Content(await JsonAsync(hit)));
        Assert.Equal("tier", noCache.Headers.GetValues("x-llmfunctions-strategy").Single());
        Assert.Equal(2, app.Simulator.Stats.For("Groq").Calls);

        // The cache is storage: a new host of the app (a restart) serves the same entry, and its streams too.
        await using (var restarted = await app.AnotherHostAsync())
        {
            using var client = restarted.CreateClient();
            using var afterRestart = await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), Json(Ask("a soup"), "route:recipes"));
            Assert.Equal("cache", afterRestart.Headers.GetValues("x-llmfunctions-strategy").Single());
            Assert.Equal(Content(await JsonAsync(first)), await StreamedTextAsync(restarted.CreateClient(), "a soup"));
            Assert.Equal(2, app.Simulator.Stats.For("Groq").Calls);
        }

        _time.Advance(TimeSpan.FromSeconds(61));
        using var expired = await PostAsync(app, Ask("a soup"), route: "recipes");
        Assert.Equal("tier", expired.Headers.GetValues("x-llmfunctions-strategy").Single());
        Assert.Equal(3, app.Simulator.Stats.For("Groq").Calls);
    }

    [Fact]
    public async Task DurablePrompt_OnARoute_EveryProviderFailing_CompletesWithTheDegradedAnswer()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 403"), ("Cerebras", "\"status\": 403")), Recipes);
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/prompts", UriKind.Relative)) { Content = Json(Ask("a soup"), model: null) };
        request.Headers.Add("x-llmfunctions-route", "recipes");
        using var accepted = await client.SendAsync(request);
        var id = (await JsonAsync(accepted)).GetProperty("id").GetString()!;

        var status = await Orchestration.DurableHarness.WaitForStatusAsync(app, id, "Completed");

        var output = status.GetProperty("output");
        Assert.Equal(Degraded, output.GetProperty("content").GetString());
        Assert.Equal("degraded", output.GetProperty("metadata").GetProperty("strategy").GetString());
        Assert.Equal(2, output.GetProperty("metadata").GetProperty("attempts").GetArrayLength());
    }

    [Fact]
    public async Task ARetryBeyondTheSyncWait_ThenACacheMiss_Answers503RetryLater()
    {
        var settings = new Dictionary<string, string?>(Recipes)
        {
            ["LlmFunctions:Http:SyncWaitSeconds"] = "0",
            ["LlmFunctions:Routes:quick:Steps:0:Strategy"] = "tiers",
            ["LlmFunctions:Routes:quick:Steps:0:Tiers:0"] = "PREMIUM",
            ["LlmFunctions:Routes:quick:Steps:1:Strategy"] = "cache",
        };
        await using var app = await StartAsync(settings, ("Groq", "\"status\": 500"));
        // Known from an earlier success, so its 500 is retried after a backoff rather than opening the circuit.
        var groq = app.Catalog.Providers.Single(p => p.Name == "Groq");
        await app.Health.RecordAsync(new ProviderKey("Groq", groq.Models[0]), new AttemptOutcome { Class = ErrorClass.Success, HttpStatus = 200, Reason = "OK" });

        using var response = await PostAsync(app, Ask("a soup"), route: "quick");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("retry_later", (await JsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task UnknownRoute_Is404NamingTheRoutes_AndABadForbidIs400NamingTheHeader()
    {
        await using var app = await StartAsync(("Groq", string.Empty));

        using var unknown = await PostAsync(app, Ask("a soup"), model: "route:desserts");
        using var badForbid = await PostAsync(app, Ask("a soup"), route: "recipes", forbid: "providers");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("route:recipes", (await JsonAsync(unknown)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badForbid.StatusCode);
        Assert.Equal("x-llmfunctions-forbid", (await JsonAsync(badForbid)).GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(0, app.Simulator.Stats.For("Groq").Calls);
    }

    private static string Ask(string dish) => $$"""{"messages":[{"role":"user","content":"{{dish}}"}]}""";

    private Task<ChatApp> StartAsync(params (string Name, string Fields)[] providers) => StartAsync(Recipes, providers);

    private Task<ChatApp> StartAsync(Dictionary<string, string?> settings, params (string Name, string Fields)[] providers) =>
        ChatApp.StartAsync(azurite, ChatApp.Scenario(providers), settings, time: _time);

    private static async Task<string> StreamedTextAsync(HttpClient http, string dish)
    {
        var client = new ChatClient("route:recipes", new ApiKeyCredential("unused"), new OpenAIClientOptions
        {
            Endpoint = new Uri(http.BaseAddress!, "v1"),
            Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http),
        });
        var text = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(dish)]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        return text.ToString();
    }

    private static string? Content(JsonElement answer) => answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();

    private static StringContent Json(string body, string? model) =>
        new(model is null ? body : body.Insert(1, $"\"model\":\"{model}\","), Encoding.UTF8, "application/json");

    private static async Task<HttpResponseMessage> PostAsync(ChatApp app, string body, string? route = null, string? model = null, string? forbid = null, string? cacheControl = null)
    {
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/chat/completions", UriKind.Relative))
        {
            Content = Json(body, model),
        };
        if (cacheControl is not null)
        {
            request.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        }

        if (route is not null)
        {
            request.Headers.Add("x-llmfunctions-route", route);
        }

        if (forbid is not null)
        {
            request.Headers.Add("x-llmfunctions-forbid", forbid);
        }

        return await client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
