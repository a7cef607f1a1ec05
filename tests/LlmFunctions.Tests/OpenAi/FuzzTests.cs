using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.OpenAi;

/// <summary>
/// No body, header or encoding gives a 5xx: generated bodies, headers and paths against every endpoint that reads
/// them, on the app hosted in memory. Every error answer is in OpenAI's shape.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class FuzzTests(AzuriteFixture azurite)
{
    private const int PerEndpoint = 1_000;

    // Groq answers at once; Cerebras is dead, so an instance a valid body starts ends after one attempt on each.
    private static readonly string Fleet = ChatApp.Scenario(("Groq", ""), ("Cerebras", "\"status\": 403"));

    private static readonly string[] ContentTypes = ["application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x", string.Empty];

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/api/prompts")]
    public async Task GeneratedBodies_NeverAnswer5xx_AndErrorsAreOpenAiShaped(string path)
    {
        await using var app = await ChatApp.StartAsync(azurite, Fleet);
        var bodies = new FuzzBodies(seed: path.Length);
        var requests = Enumerable.Range(0, PerEndpoint).Select(i => (Index: i, Body: bodies.Next())).ToList();

        var failures = await SendAllAsync(app, requests.Select(r => (r.Index, (Func<HttpRequestMessage>)(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(r.Body) };
            var contentType = ContentTypes[r.Index % ContentTypes.Length];
            if (contentType.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            if (r.Index % 11 == 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Encoding", r.Index % 22 == 0 ? "gzip" : "br, \u00ff");
            }

            if (r.Index % 7 == 0)
            {
                request.Headers.TryAddWithoutValidation("Prefer", r.Index % 14 == 0 ? "respond-async" : "\u00ff\u0001");
            }

            return request;
        }), Encoding.UTF8.GetString(r.Body))));

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
    }

    [Fact]
    public async Task GeneratedPathsAndQueries_OnModelsAndAdmin_NeverAnswer5xx_AndErrorsAreOpenAiShaped()
    {
        await using var app = await ChatApp.StartAsync(azurite, Fleet);
        var random = new Random(7);
        string[] pieces = ["Groq", "Cerebras", "llama-3.3-70b-versatile", "%2F", "%FF", "%C3%28", "%ED%A0%80", "..", "/", "%", "é", "\u00ff", "reset", "disable", "enable", "x"];
        string Piece() => pieces[random.Next(pieces.Length)];

        // A NUL in the path never reaches the app (Kestrel refuses the request line; the test server's client throws).
        string QueryPiece() => random.Next(8) == 0 ? "%00" : Piece();
        var requests = new List<(int, Func<HttpRequestMessage>, string)>();
        for (var i = 0; i < PerEndpoint; i++)
        {
            var id = string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => Piece()));
            var models = $"/v1/models/{id}";
            requests.Add((i, () => new HttpRequestMessage(HttpMethod.Get, new Uri(models, UriKind.Relative)), models));
            var admin = $"/api/providers/{Piece()}/{Piece()}?minutes={QueryPiece()}{random.Next(-5, 100_000)}&reason={QueryPiece()}&model={QueryPiece()}";
            requests.Add((i + PerEndpoint, () => new HttpRequestMessage(HttpMethod.Post, new Uri(admin, UriKind.Relative)), admin));
        }

        var failures = await SendAllAsync(app, requests);

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
    }

    private static async Task<ConcurrentBag<string>> SendAllAsync(ChatApp app, IEnumerable<(int Index, Func<HttpRequestMessage> Build, string Shown)> requests)
    {
        using var client = app.Client();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = timeout.Token }, async (r, ct) =>
        {
            using var request = r.Build();
            using var response = await client.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(ct);
            if (status >= 500 || (status >= 400 && !IsOpenAiError(text)))
            {
                failures.Add($"#{r.Index} {status} for {Clip(r.Shown)}: {Clip(text)}");
            }
        });
        return failures;
    }

    private static bool IsOpenAiError(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
