using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.StandaloneHost.Durable;
using Microsoft.Extensions.DependencyInjection;
using static LlmFunctions.Tests.Orchestration.DurableHarness;

namespace LlmFunctions.Tests.Security;

/// <summary>
/// Provider keys holding <c>/ + =</c>, echoed back by the simulator in four encodings (raw, JSON-escaped, URL-encoded,
/// base64 of <c>Bearer &lt;key&gt;</c>) in their error bodies, through the synchronous and the durable paths: no form of
/// any key may appear in a response, a log line, a table entity or a blob.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class RedactionCanaryTests(AzuriteFixture azurite)
{
    private static readonly (string Provider, string KeySetting, string Echo)[] Providers =
    [
        ("Groq", "GROQ_API_KEY", "raw"),
        ("Cerebras", "CEREBRAS_API_KEY", "json"),
        ("SambaNova", "SAMBANOVA_API_KEY", "url"),
        ("OpenRouter", "OPENROUTER_API_KEY", "base64"),
    ];

    [Fact]
    public async Task EchoedKeys_InFourEncodings_AreFoundNowhere()
    {
        var keys = Providers.ToDictionary(p => p.Provider, p => $"cAnArY/{p.Provider}+{Guid.NewGuid():N}=x/y+z==");
        var logs = new CapturingLoggerProvider();
        var settings = FastSettings();
        await using var simulatorOnly = await Simulator.SimulatorTestHost.StartAsync(Scenario([.. Providers.Select(p => (p.Provider, $"\"status\": 401, \"echoAuthorization\": \"{p.Echo}\""))]));
        // Real keys, sent to the simulator's loopback address as to a provider (not the simulator mode, which sends none).
        settings[ProviderCatalog.SimulatorBaseUrlSetting] = string.Empty;
        foreach (var (provider, keySetting, _) in Providers)
        {
            settings[$"{ProviderCatalog.SectionName}:{provider}:BaseUrl"] = new Uri(simulatorOnly.BaseAddress, $"{provider}/v1").ToString();
            settings[keySetting] = keys[provider];
        }

        await using var app = await ChatApp.StartAsync(azurite, Scenario([.. Providers.Select(p => (p.Provider, string.Empty))]), settings, logs);
        var responses = new List<string>();

        // Durable path: every provider answers 401 with its echo; the instance finishes failed.
        var id = await StartAsync(app);
        var finished = await WaitForStatusAsync(app, id, "Completed", showHistory: true);
        responses.Add(finished.ToString());
        Assert.Equal(4, Providers.Sum(p => simulatorOnly.Stats.For(p.Provider).Calls));

        // Synchronous path, after an operator reset of each (the 401s disabled them).
        foreach (var (provider, _, _) in Providers)
        {
            using var reset = await PostAsync(app, $"/api/providers/{provider}/reset");
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
            responses.Add(await reset.Content.ReadAsStringAsync());
        }

        using (var chat = await PostAsync(app, "/v1/chat/completions", Prompt()))
        {
            Assert.Equal(HttpStatusCode.BadGateway, chat.StatusCode);
            responses.Add(await chat.Content.ReadAsStringAsync());
        }

        Assert.Equal(8, Providers.Sum(p => simulatorOnly.Stats.For(p.Provider).Calls));
        using (var client = app.Client())
        {
            responses.Add(await client.GetStringAsync(new Uri("/api/providers", UriKind.Relative)));
        }

        // The echoes did arrive, and the reasons kept something of them (the canary is alive, not silenced).
        Assert.Contains(responses, r => r.Contains("Incorrect API key provided", StringComparison.Ordinal));
        await app.Factory.Services.GetRequiredService<ProviderHealthCache>().FlushAsync();

        var stored = await StoredTextsAsync(app);
        Assert.NotEmpty(stored);
        var leaks = new List<string>();
        foreach (var (provider, key) in keys)
        {
            foreach (var form in Forms(key))
            {
                leaks.AddRange(responses.Where(r => r.Contains(form, StringComparison.Ordinal)).Select(_ => $"{provider} key as '{form}' in a response"));
                leaks.AddRange(logs.Entries.Select(e => $"{e.Category} {e.Message} {e.Exception}").Where(l => l.Contains(form, StringComparison.Ordinal)).Select(l => $"{provider} key as '{form}' in a log line: {l}"));
                leaks.AddRange(stored.Where(s => s.Text.Contains(form, StringComparison.Ordinal)).Select(s => $"{provider} key as '{form}' in {s.Where}"));
            }
        }

        Assert.False(logs.Entries.IsEmpty);
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    /// <summary>The forms the simulator echoes a key in, and their usual variants.</summary>
    private static IEnumerable<string> Forms(string key)
    {
        var bearer = "Bearer " + key;
        yield return key;
        yield return JsonEncodedText.Encode(key, JavaScriptEncoder.Default).ToString();
        yield return JsonEncodedText.Encode(key, JavaScriptEncoder.Default).ToString().Replace("/", "\\/", StringComparison.Ordinal);
        yield return string.Concat(key.Select(c => char.IsAsciiLetterOrDigit(c) ? c.ToString() : c == '/' ? "\\/" : $"\\u{(int)c:X4}"));
        yield return Uri.EscapeDataString(key);
        yield return Uri.EscapeDataString(key).ToLowerInvariant();
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(key));
        yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(bearer));
    }

    /// <summary>Every entity of the app's tables (task hub and health) and every blob of its task hub's containers.</summary>
    private async Task<List<(string Where, string Text)>> StoredTextsAsync(ChatApp app)
    {
        var options = app.Factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthOptions>>().Value;
        var hub = app.TaskHub;
        var texts = new List<(string, string)>();
        var tables = new TableServiceClient(azurite.ConnectionString);
        await foreach (var table in tables.QueryAsync())
        {
            if (!table.Name.StartsWith(hub, StringComparison.OrdinalIgnoreCase) && !string.Equals(table.Name, options.TableName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                texts.Add(($"table {table.Name}", string.Join(" ", entity.Select(p => p.Value is byte[] bytes ? Decode(bytes) : $"{p.Value}"))));
            }
        }

        var blobs = new BlobServiceClient(azurite.ConnectionString);
        await foreach (var container in blobs.GetBlobContainersAsync(prefix: hub.ToLowerInvariant()))
        {
            var client = blobs.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync())
            {
                var content = await client.GetBlobClient(blob.Name).DownloadContentAsync();
                texts.Add(($"blob {container.Name}/{blob.Name}", Decode(content.Value.Content.ToArray())));
            }
        }

        return texts;
    }

    // DTFx gzips large payloads in blobs.
    private static string Decode(byte[] bytes)
    {
        if (bytes is [0x1f, 0x8b, ..])
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            return reader.ReadToEnd();
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
