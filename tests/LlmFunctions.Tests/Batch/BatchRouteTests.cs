using System.Globalization;
using LlmFunctions.Cli.Batch;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Batch;

/// <summary><c>llmfunctions batch --route</c> against the real function app in memory (Azurite, provider simulator): the
/// route reaches the gateway and each record says which step served the item, in both modes.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class BatchRouteTests(AzuriteFixture azurite) : IDisposable
{
    // PREMIUM is Groq, STANDARD is Cerebras.
    private static readonly Dictionary<string, string?> Recipes = new()
    {
        ["LlmFunctions:Tiers:PREMIUM:0"] = "Groq",
        ["LlmFunctions:Tiers:STANDARD:0"] = "Cerebras",
        ["LlmFunctions:Routes:recipes:Steps:0:Strategy"] = "tiers",
        ["LlmFunctions:Routes:recipes:Steps:0:Tiers:0"] = "PREMIUM",
        ["LlmFunctions:Routes:recipes:Steps:0:Tiers:1"] = "STANDARD",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("batch-route-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<BatchItem> Prompts(int count) =>
        InputReader.Read(string.Join('\n', Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $$"""{"prompt": "Recipe {{i}}: a soup."}"""))), InputFormat.Jsonl).Items.ToList();

    private BatchRunnerOptions Options(ChatApp app, BatchMode mode, string route, string name) => new()
    {
        Gateway = app.Factory.Server.BaseAddress,
        Mode = mode,
        Route = route,
        ResultsPath = Path.Combine(_directory, name),
        RunId = "route-" + Guid.NewGuid().ToString("N")[..8],
        PollInterval = TimeSpan.FromMilliseconds(50),
        Retries = 0,
        Aimd = new AimdOptions { Initial = 2, Max = 2 },
    };

    [Theory]
    [InlineData(BatchMode.Sync)]
    [InlineData(BatchMode.Durable)]
    public async Task Run_WithRoute_Tier1Dead_EveryItemRecordedAsServedByTier2_AndAnUnknownRouteFailsEachItemWith404(BatchMode mode)
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 401"), ("Cerebras", string.Empty)), Recipes);
        using var http = app.Client();

        var served = await new BatchRunner(http, Options(app, mode, "recipes", "recipes.jsonl")).RunAsync(Prompts(4));
        var unknown = await new BatchRunner(http, Options(app, mode, "desserts", "desserts.jsonl")).RunAsync(Prompts(2));

        Assert.All(served.Records, r =>
        {
            Assert.Equal(ResultRecord.Succeeded, r.Status);
            Assert.Equal(("tier", "STANDARD", "recipes", "Cerebras"), (r.Strategy, r.Tier, r.Route, r.Provider));
            Assert.Null(r.CacheStale);
        });
        Assert.Equal([KeyValuePair.Create("tier", 4)], BatchSummary.From(served.Records, 4).ByStrategy);
        Assert.Equal(2, unknown.Records.Count);
        Assert.All(unknown.Records, r => Assert.Equal((ResultRecord.Failed, 404, "model_not_found", (string?)null), (r.Status, r.HttpStatus, r.ErrorClass, r.Strategy)));
    }
}
