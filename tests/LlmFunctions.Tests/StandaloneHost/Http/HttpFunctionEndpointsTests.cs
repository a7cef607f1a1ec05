extern alias StandaloneHost;

using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StandaloneHost::LlmFunctions.StandaloneHost.Functions;
using StandaloneHost::LlmFunctions.StandaloneHost.Http;

namespace LlmFunctions.Tests.StandaloneHost.Http;

public sealed class HttpFunctionEndpointsTests
{
    private static readonly FunctionCatalog Catalog = FunctionCatalog.FromTypes([typeof(TestHttpFunctions)]);

    private static async Task<WebApplication> StartAsync(string? routePrefix = null, bool durableClient = true, FunctionCatalog? catalog = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        if (routePrefix is not null)
        {
            builder.Configuration["AzureFunctionsJobHost:extensions:http:routePrefix"] = routePrefix;
        }

        builder.Services.AddSingleton<InstanceCounter>();
        builder.Services.AddHttpFunctions();
        if (durableClient)
        {
            builder.Services.AddSingleton<DurableTaskClient>(new NamedDurableTaskClient("test-hub-client"));
        }

        var app = builder.Build();
        app.MapHttpFunctions(catalog ?? Catalog, app.Configuration);
        await app.StartAsync();
        return app;
    }

    [Theory]
    [InlineData(null, "/api/Hello")]
    [InlineData("", "/Hello")]
    [InlineData("/v2/", "/v2/Hello")]
    public async Task RoutePrefix_FromSettingOrDefaultApi_PrefixesTheFunctionNameRoute(string? prefix, string path)
    {
        await using var app = await StartAsync(prefix);
        var client = app.GetTestClient();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith($"hello from {path} instance", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri(prefix is null ? "/Hello" : "/api/Hello", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task FunctionClass_EachRequest_IsCreatedAnewThroughDependencyInjection()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        var first = await client.GetStringAsync(new Uri("/api/Hello", UriKind.Relative));
        var second = await client.GetStringAsync(new Uri("/api/Hello", UriKind.Relative));

        Assert.EndsWith("instance 1", first, StringComparison.Ordinal);
        Assert.EndsWith("instance 2", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteParameters_StringAndInt_AreBoundByName()
    {
        await using var app = await StartAsync();

        var json = await app.GetTestClient().GetStringAsync(new Uri("/api/items/42/widget", UriKind.Relative));

        using var document = JsonDocument.Parse(json);
        Assert.Equal(42, document.RootElement.GetProperty("id").GetInt32());
        Assert.Equal("widget", document.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task RouteParameter_NotConvertible_Is400NamingTheParameter()
    {
        await using var app = await StartAsync();

        var response = await app.GetTestClient().GetAsync(new Uri("/api/items/forty-two/widget", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = document.RootElement.GetProperty("error");
        Assert.Equal("id", error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("not a valid Int32", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteConstraint_ValueOutsideIt_Is404AsInAspNetCoreRouting()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        Assert.Equal("typed 7", await client.GetStringAsync(new Uri("/api/typed/7", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/typed/seven", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("/api/optional", "none")]
    [InlineData("/api/optional/Friday", "Friday")]
    public async Task OptionalRouteParameter_PresentOrAbsent_IsBoundOrNull(string path, string expected)
    {
        await using var app = await StartAsync();

        Assert.Equal(expected, await app.GetTestClient().GetStringAsync(new Uri(path, UriKind.Relative)));
    }

    [Fact]
    public async Task EnumRouteParameter_UndefinedValue_Is400()
    {
        await using var app = await StartAsync();

        var response = await app.GetTestClient().GetAsync(new Uri("/api/optional/99", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'day'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatchAllRoute_TakesTheRestOfThePath()
    {
        await using var app = await StartAsync();

        Assert.Equal("a/b/c.txt", await app.GetTestClient().GetStringAsync(new Uri("/api/files/a/b/c.txt", UriKind.Relative)));
    }

    [Fact]
    public async Task Methods_OnlyTheAttributes_OthersGet405WithAllow()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        var post = await client.PostAsync(new Uri("/api/Echo", UriKind.Relative), new StringContent("ping"));
        var put = await client.PutAsync(new Uri("/api/Echo", UriKind.Relative), new StringContent("pong"));
        var get = await client.GetAsync(new Uri("/api/Echo", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        Assert.Equal("POST ping aborted-token:True", await post.Content.ReadAsStringAsync());
        Assert.Equal("PUT pong aborted-token:True", await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(["POST", "PUT"], get.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task NoMethodsInTheAttribute_AnyMethodRuns_AndAVoidFunctionWritesTheResponse(string method)
    {
        await using var app = await StartAsync();

        var response = await app.GetTestClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri("/api/any", UriKind.Relative)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task MvcResults_ObjectResultAndStatusCodeResult_AreExecuted()
    {
        await using var app = await StartAsync();
        var client = app.GetTestClient();

        var json = await client.GetStringAsync(new Uri("/api/mvc/object", UriKind.Relative));
        var teapot = await client.GetAsync(new Uri("/api/mvc/other", UriKind.Relative));

        Assert.Equal("object", JsonDocument.Parse(json).RootElement.GetProperty("kind").GetString());
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
    }

    [Fact]
    public async Task DurableClientParameter_GetsTheRegisteredDurableTaskClient()
    {
        await using var app = await StartAsync();

        Assert.Equal("test-hub-client", await app.GetTestClient().GetStringAsync(new Uri("/api/durable", UriKind.Relative)));
    }

    [Fact]
    public async Task DurableClientParameter_NoClientRegistered_FailsAtStartNamingTheFunction()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(durableClient: false));

        Assert.Contains("'Durable'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DurableTaskClient", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryEndpoint_CarriesTheFunctionsAuthorizationLevel()
    {
        await using var app = await StartAsync();

        var levels = app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<FunctionAuthorizationMetadata>())
            .OfType<FunctionAuthorizationMetadata>()
            .ToDictionary(m => m.FunctionName, m => m.Level);

        Assert.Equal(Catalog.OfKind(TriggerKind.Http).Select(f => f.Name).Order(StringComparer.Ordinal), levels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(AuthorizationLevel.Anonymous, levels["Hello"]);
        Assert.Equal(AuthorizationLevel.Function, levels["GetItem"]);
        Assert.Equal(AuthorizationLevel.Admin, levels["GetTyped"]);
    }

    [Theory]
    [InlineData(typeof(WithFunctionContext), "'TakesContext'", "FunctionContext")]
    [InlineData(typeof(WithLoggerParameter), "'TakesLogger'", "ILogger")]
    [InlineData(typeof(WithUnroutedParameter), "'Unrouted'", "'other'")]
    [InlineData(typeof(WithStringResult), "'ReturnsString'", "String")]
    public async Task UnsupportedSignature_FailsAtStartNamingTheFunction(Type functions, string function, string what)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(catalog: FunctionCatalog.FromTypes([functions])));

        Assert.Contains(function, ex.Message, StringComparison.Ordinal);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }
}
