using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LlmFunctions.Simulator;

namespace LlmFunctions.Tests.Simulator;

/// <summary>Starts a simulator from inline JSON and talks to it over real HTTP.</summary>
internal static class SimulatorTestHost
{
    public static Task<SimulatorServer> StartAsync(string scenarioJson, TimeProvider? time = null) =>
        SimulatorServer.StartAsync(SimulatorScenario.Parse(scenarioJson), new SimulatorServerOptions { TimeProvider = time });

    /// <summary>A scenario with one provider built from the given JSON fields.</summary>
    public static string OneProvider(string fields, string name = "Prov", string api = "openai", string root = "") =>
        $$"""{ {{root}} "providers": [ { "name": "{{name}}", "api": "{{api}}" {{(fields.Length > 0 ? "," : "")}} {{fields}} } ] }""";

    public static HttpClient Client(SimulatorServer server, string? key = "test-key")
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public static Task<HttpResponseMessage> PostOpenAiAsync(
        HttpClient client, SimulatorServer server, string provider, string prompt = "hello", CancellationToken cancellationToken = default) =>
        client.PostAsJsonAsync(
            new Uri(server.OpenAiBaseUrl(provider) + "/chat/completions"),
            new { model = "m1", messages = new[] { new { role = "system", content = "be brief" }, new { role = "user", content = prompt } } },
            cancellationToken);

    public static Task<HttpResponseMessage> PostCloudflareAsync(HttpClient client, SimulatorServer server, string provider, string prompt = "hello") =>
        client.PostAsJsonAsync(
            new Uri(server.CloudflareBaseUrl(provider) + "/accounts/acc1/ai/run/@cf/meta/llama-3.1-8b-instruct"),
            new { messages = new[] { new { role = "user", content = prompt } } });

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>Polls a condition the server reaches asynchronously (e.g. a counter), without fixed sleeps.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}");
            }

            // Poll interval of a condition wait bounded by the timeout above, not a wait for the outcome itself.
            await Task.Delay(10);
        }
    }

    public static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
