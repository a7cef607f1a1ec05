using System.Net;
using System.Text;
using System.Text.Json;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.FunctionApp;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ListProvidersQuotaTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ProviderReportsItsRateLimitWindow_ApiProvidersShowsTheRequestsLeftAndTheLimit()
    {
        var scenario = ChatApp.Scenario(("Groq", "\"rateLimit\": { \"requestsPerWindow\": 3, \"windowSeconds\": 60, \"resetHeaders\": true }"));
        await using var app = await ChatApp.StartAsync(azurite, scenario);
        using var client = app.Client();
        using var answer = await client.PostAsync(
            new Uri("/v1/chat/completions", UriKind.Relative),
            new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        using var providers = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/providers", UriKind.Relative)));

        var groq = providers.RootElement.GetProperty("providers").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Groq");
        var quota = groq.GetProperty("models")[0].GetProperty("quota");
        Assert.Equal(2, quota.GetProperty("requestsLeft").GetInt32());
        Assert.Equal(3, quota.GetProperty("limitRequests").GetInt32());
        Assert.True(quota.GetProperty("requestsResetAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }
}
