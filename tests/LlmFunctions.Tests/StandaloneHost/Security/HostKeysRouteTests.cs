extern alias StandaloneHost;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using StandaloneHost::LlmFunctions.StandaloneHost.Http;

namespace LlmFunctions.Tests.StandaloneHost.Security;

/// <summary>Every route the standalone host serves (read from its endpoint data source, so a new function is covered
/// without touching this test) at every key state: none, wrong, a function key, the master key.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class HostKeysRouteTests(AzuriteFixture azurite)
{
    internal const string MasterKey = "master-0123456789abcdef/+=";
    internal const string FunctionKey = "fn-key-0123456789abcdef";
    private const string Provider = "Groq";

    internal static readonly Dictionary<string, string?> KeySettings = new()
    {
        ["LlmFunctions:Keys:Master"] = MasterKey,
        ["LlmFunctions:Keys:Function:batch"] = FunctionKey,
    };

    private static readonly string OneHealthy = ChatApp.Scenario((Provider, ""));

    public enum KeyState
    {
        None,
        Wrong,
        Function,
        Master,
    }

    [Fact]
    public async Task EveryRoute_EveryKeyState_OnlyTheRightKeyGetsThrough()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, KeySettings);
        var routes = Routes(app);
        Assert.Contains(routes, r => r.Level == AuthorizationLevel.Anonymous);
        Assert.Contains(routes, r => r.Level == AuthorizationLevel.Function);
        Assert.Contains(routes, r => r.Level == AuthorizationLevel.Admin);
        Assert.Contains(routes, r => r.Path.StartsWith("/runtime/webhooks/durabletask/instances", StringComparison.Ordinal));
        using var client = app.Client();
        var refusals = new List<string>();
        var adminSuccesses = 0;

        foreach (var state in new[] { KeyState.None, KeyState.Wrong, KeyState.Function, KeyState.Master })
        {
            foreach (var route in routes)
            {
                using var request = Request(route, state);
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var shouldPass = route.Level == AuthorizationLevel.Anonymous
                    || state == KeyState.Master
                    || (state == KeyState.Function && route.Level is AuthorizationLevel.Function or AuthorizationLevel.User);
                var what = $"{state} {route.Method} {route.Path} ({route.Level}) -> {status}";
                if (shouldPass)
                {
                    Assert.True(status is not (401 or 403) and < 500, what);
                }
                else
                {
                    var expected = state == KeyState.Function ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized;
                    Assert.True(response.StatusCode == expected, what);
                    await AssertOpenAiErrorAsync(response);
                    refusals.Add(what);
                }

                if (route.Level == AuthorizationLevel.Admin && state != KeyState.Master && status is >= 200 and < 300)
                {
                    adminSuccesses++;
                }
            }

            if (state != KeyState.Master)
            {
                // The matrix POSTs disable to a real provider: without the master key it never took effect.
                var health = await app.Health.GetAsync(new(Provider, app.Catalog.Find(Provider)!.Models[0]));
                Assert.Null(health.DisabledUntil);
            }
        }

        Assert.Equal(0, adminSuccesses);
        var nonAnonymous = routes.Count(r => r.Level != AuthorizationLevel.Anonymous);
        var adminRoutes = routes.Count(r => r.Level != AuthorizationLevel.Anonymous && r.Level is not (AuthorizationLevel.Function or AuthorizationLevel.User));
        Assert.Equal((2 * nonAnonymous) + adminRoutes, refusals.Count);
        var disabled = await app.Health.GetAsync(new(Provider, app.Catalog.Find(Provider)!.Models[0]));
        Assert.NotNull(disabled.DisabledUntil);
    }

    [Theory]
    [InlineData("x-functions-key")]
    [InlineData("code")]
    [InlineData("api-key")]
    [InlineData("bearer")]
    public async Task ChatCompletions_FunctionKeyInEachPlaceClientsSendIt_IsAccepted(string where)
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, KeySettings);
        using var client = app.Client();
        var path = where == "code" ? $"/v1/chat/completions?code={Uri.EscapeDataString(FunctionKey)}" : "/v1/chat/completions";
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        switch (where)
        {
            case "x-functions-key" or "api-key":
                request.Headers.Add(where, FunctionKey);
                break;
            case "bearer":
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FunctionKey);
                break;
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ProviderList_KeyAsBearerOffTheOpenAiRoutes_IsNotAKey()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, KeySettings);
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/providers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MasterKey);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await AssertOpenAiErrorAsync(response);
        Assert.Equal("missing_api_key", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task StartPrompt_WithFunctionKey_StatusLinkCodeOpensThatInstancesStatusOnlyEvenBesideTheFunctionKey()
    {
        await using var app = await ChatApp.StartAsync(azurite, OneHealthy, KeySettings);
        using var client = app.Client();
        using var start = new HttpRequestMessage(HttpMethod.Post, "/api/prompts")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        start.Headers.Add("x-functions-key", FunctionKey);
        using var started = await client.SendAsync(start);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        using var payload = JsonDocument.Parse(await started.Content.ReadAsStringAsync());
        var status = new Uri(payload.RootElement.GetProperty("statusQueryGetUri").GetString()!);
        var code = System.Web.HttpUtility.ParseQueryString(status.Query)["code"]!;
        const string Instances = "/runtime/webhooks/durabletask/instances";
        var terminateUri = payload.RootElement.GetProperty("terminatePostUri").GetString()!.Replace("{text}", "x", StringComparison.Ordinal);

        using var poll = new HttpRequestMessage(HttpMethod.Get, status);
        poll.Headers.Add("x-functions-key", FunctionKey);
        using var polled = await client.SendAsync(poll);
        using var otherInstance = await client.GetAsync(new Uri($"{Instances}/another-instance?code={Uri.EscapeDataString(code)}", UriKind.Relative));
        using var list = await client.GetAsync(new Uri($"{Instances}?code={Uri.EscapeDataString(code)}", UriKind.Relative));
        using var terminate = await client.PostAsync(new Uri($"{terminateUri}&code={Uri.EscapeDataString(code)}"), null);

        Assert.True(polled.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"status poll: {polled.StatusCode}");
        Assert.DoesNotContain(FunctionKey, status.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(MasterKey), status.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, otherInstance.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, terminate.StatusCode);
    }

    internal sealed record RouteCase(string Method, string Path, AuthorizationLevel Level);

    /// <summary>The app's routes, from its endpoint data source, with route values filled in; an endpoint that declares
    /// no level is expected to need the master key.</summary>
    internal static List<RouteCase> Routes(ChatApp app)
    {
        var endpoints = app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        var routes = new List<RouteCase>();
        foreach (var endpoint in endpoints)
        {
            var level = endpoint.Metadata.GetMetadata<FunctionAuthorizationMetadata>()?.Level ?? AuthorizationLevel.Admin;
            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => parameter.Name switch
                {
                    "name" => Provider,
                    "operation" => "disable",
                    "eventName" => "approval",
                    "rest" => "unknown/operation",
                    _ => "keys-test-instance",
                },
                _ => string.Empty,
            }))));
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get];
            routes.AddRange(methods.Select(m => new RouteCase(m, path, level)));
        }

        return routes;
    }

    private static HttpRequestMessage Request(RouteCase route, KeyState state)
    {
        var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
        if (route.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        var key = state switch
        {
            KeyState.Wrong => "wrong-key-0123456789abcdef",
            KeyState.Function => FunctionKey,
            KeyState.Master => MasterKey,
            _ => null,
        };
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        return request;
    }

    internal static async Task<JsonElement> AssertOpenAiErrorAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = document.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.True(error.TryGetProperty("param", out _));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("code").GetString()));
        return error.Clone();
    }
}
