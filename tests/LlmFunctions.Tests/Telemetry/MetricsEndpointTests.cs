using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Telemetry;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed partial class MetricsEndpointTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Scrape_AfterFailover_CountsAttemptsByErrorClass_FallbacksAndRequestsByRoute()
    {
        await using var app = await ChatApp.StartAsync(azurite, ChatApp.Scenario(("Groq", "\"status\": 403"), ("Cerebras", "")));
        using var client = app.Client();
        using (var content = new StringContent("""{"model":"auto","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"))
        using (var chat = await client.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        using var scrape = await client.GetAsync(new Uri("/admin/metrics", UriKind.Relative));
        var text = await scrape.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal(1, Sample(text, "llmfunctions_attempts_total", ("provider", "Groq"), ("error_class", "AuthFailed")));
        Assert.Equal(1, Sample(text, "llmfunctions_attempts_total", ("provider", "Cerebras"), ("error_class", "Success")));
        Assert.Equal(1, Sample(text, "llmfunctions_fallbacks_total", ("from_provider", "Groq"), ("provider", "Cerebras")));
        Assert.Equal(2, Sample(text, "llmfunctions_attempt_duration_seconds_count", ("provider", "Groq")) + Sample(text, "llmfunctions_attempt_duration_seconds_count", ("provider", "Cerebras")));
        // The 403 disabled Groq: its circuit gauge is reported, and it is blocked for the permanent-failure cooldown.
        Assert.True(Sample(text, "llmfunctions_provider_blocked_seconds", ("provider", "Groq")) > 0, text);
        Assert.Equal(1, Sample(text, "http_server_request_duration_seconds_count", ("http_route", "/v1/chat/completions"), ("http_response_status_code", "200")));
        Assert.Equal(1, Sample(text, "llmfunctions_answers_total", ("strategy", "provider")));
    }

    /// <summary>The sum of the samples of <paramref name="metric"/> whose labels include every pair given.</summary>
    private static double Sample(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        var total = 0d;
        var found = false;
        foreach (Match m in SampleLine().Matches(exposition))
        {
            if (m.Groups["name"].Value != metric || !labels.All(l => m.Groups["labels"].Value.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                continue;
            }

            found = true;
            total += double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        Assert.True(found, $"No sample of {metric} with {string.Join(", ", labels)} in:\n{exposition}");
        return total;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>[^}]*)\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
