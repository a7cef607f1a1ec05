extern alias StandaloneHost;

using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using StandaloneHost::LlmFunctions.StandaloneHost.Http;

namespace LlmFunctions.Tests.StandaloneHost;

/// <summary>
/// The Worker SDK's <c>functions.metadata</c> (what <c>func start</c> and Azure index) and the standalone host's endpoints
/// come from the same attributes: every function the SDK wrote is there with its trigger, and every HTTP function is
/// mapped by the standalone host on the same route, methods and auth level.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class FunctionsMetadataTests(AzuriteFixture azurite)
{
    private static readonly string[] Expected =
    [
        "AttemptProvider activityTrigger",
        "ChatCompletions httpTrigger",
        "GetModel httpTrigger",
        "HealthCheck httpTrigger",
        "ListAlerts httpTrigger",
        "ListModels httpTrigger",
        "ListProviders httpTrigger",
        "PromptOrchestrator orchestrationTrigger",
        "ProviderAdmin httpTrigger",
        "ProviderDashboard httpTrigger",
        "PruneResponseCache timerTrigger",
        "ReadCachedAnswer activityTrigger",
        "ReadProviderHealth activityTrigger",
        "ResetExpiredCooldowns timerTrigger",
        "StartPrompt httpTrigger",
    ];

    [Fact]
    public void FunctionsMetadata_WrittenByTheBuild_NamesEveryFunctionWithItsTrigger()
    {
        var functions = ReadMetadata();

        Assert.Equal(Expected, functions.Select(f => $"{f.Name} {f.Trigger.GetProperty("type").GetString()}").Order(StringComparer.Ordinal));
        Assert.All(functions, f => Assert.Equal("dotnet-isolated", f.Language));
        var timer = functions.Single(f => f.Name == "ResetExpiredCooldowns").Trigger;
        Assert.Equal("%ResetExpiredCooldownsSchedule%", timer.GetProperty("schedule").GetString());
        var prune = functions.Single(f => f.Name == "PruneResponseCache").Trigger;
        Assert.Equal("%PruneResponseCacheSchedule%", prune.GetProperty("schedule").GetString());
    }

    [Fact]
    public async Task StandaloneHostEndpoints_EveryHttpFunction_SameRouteMethodsAndAuthLevelAsTheMetadata()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", string.Empty)));
        var endpoints = app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            // The host's own admin endpoints (the metrics scrape) carry the metadata too, but are no functions.
            .Where(e => e.Metadata.GetMetadata<FunctionAuthorizationMetadata>() is not null && e.DisplayName?.StartsWith("Function ", StringComparison.Ordinal) == true)
            .ToDictionary(e => e.Metadata.GetMetadata<FunctionAuthorizationMetadata>()!.FunctionName);

        var http = ReadMetadata().Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger").ToList();

        Assert.Equal(http.Select(f => f.Name).Order(StringComparer.Ordinal), endpoints.Keys.Order(StringComparer.Ordinal));
        foreach (var function in http)
        {
            var endpoint = endpoints[function.Name];
            // host.json's extensions.http.routePrefix is "": the attribute's route is the whole path.
            Assert.Equal("/" + function.Trigger.GetProperty("route").GetString(), endpoint.RoutePattern.RawText);
            var methods = function.Trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).Order(StringComparer.Ordinal);
            Assert.Equal(methods, endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Order(StringComparer.Ordinal));
            Assert.Equal(function.Trigger.GetProperty("authLevel").GetString(), endpoint.Metadata.GetMetadata<FunctionAuthorizationMetadata>()!.Level.ToString());
        }
    }

    private static List<(string Name, string Language, JsonElement Trigger)> ReadMetadata()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var root = Path.GetDirectoryName(SimulatorTestHost.RepoFile("LlmFunctions.sln"))!;
        var path = Path.Combine(root, "src", "LlmFunctions.FunctionApp", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: the Worker SDK writes it when the function app builds");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(f => (
            f.GetProperty("name").GetString()!,
            f.GetProperty("language").GetString()!,
            f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).Clone()))];
    }
}
