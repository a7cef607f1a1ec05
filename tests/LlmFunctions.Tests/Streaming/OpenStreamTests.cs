using System.Text.Json;
using LlmFunctions.Classification;
using LlmFunctions.Providers;
using LlmFunctions.Security;
using LlmFunctions.Simulator;
using LlmFunctions.Streaming;
using LlmFunctions.Tests.Simulator;
using Microsoft.Extensions.Configuration;

namespace LlmFunctions.Tests.Streaming;

/// <summary><see cref="ProviderCaller.OpenStreamAsync"/> and the <see cref="StreamingResponse"/> it hands back, against
/// the simulator over real HTTP: every failure before the first token comes back classified, a success carries the
/// stream, and what goes wrong after the first token throws for the classifier.</summary>
public sealed class OpenStreamTests
{
    private const string Scenario = """
        {
          "seed": 3,
          "providers": [
            { "name": "Groq", "api": "openai", "stream": { "chunks": 4 } },
            { "name": "Cloudflare", "api": "cloudflare", "stream": { "chunks": 3 } },
            { "name": "Scaleway", "api": "openai", "status": 503 },
            { "name": "DeepSeek", "api": "openai", "stream": { "cutAfterChunks": 0 } },
            { "name": "Kluster", "api": "openai", "stream": { "chunks": 0 } },
            { "name": "SambaNova", "api": "openai", "stream": { "firstTokenMs": { "fixed": 20000 } } },
            { "name": "Cerebras", "api": "openai", "stream": { "chunks": 6, "cutAfterChunks": 3 } },
            { "name": "Fireworks", "api": "openai", "stream": { "chunks": 4, "malformedChunkAt": 2 } },
            { "name": "Novita", "api": "openai", "faults": [ { "kind": "malformed", "rate": 1 } ] },
            { "name": "Nebius", "api": "openai", "stream": { "cutAfterChunks": 0, "cutStyle": "end" } },
            { "name": "Hyperbolic", "api": "openai", "stream": { "chunks": 5, "cutAfterChunks": 2, "cutStyle": "end" } }
          ]
        }
        """;

    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OpenStream_HealthyProvider_SucceedsAndRelaysEveryChunkThenEnds()
    {
        await using var fixture = await Fixture.StartAsync();

        var attempt = await fixture.OpenAsync("Groq", includeUsage: true);
        await using var stream = attempt.Stream!;
        var chunks = await ReadAllAsync(stream);

        Assert.Equal(ErrorClass.Success, attempt.Result.Outcome.Class);
        Assert.Equal(200, attempt.Result.Outcome.HttpStatus);
        Assert.Equal("[Groq/llama-3.3-70b-versatile] echo: hello", Content(chunks));
        Assert.True(stream.SawUsage);
        Assert.Equal(1 + 4 + 1 + 1, stream.ChunksRead);
    }

    [Fact]
    public async Task OpenStream_Cloudflare_IsTranslatedToOpenAiChunksWithUsage()
    {
        await using var fixture = await Fixture.StartAsync();

        var attempt = await fixture.OpenAsync("Cloudflare", includeUsage: true);
        await using var stream = attempt.Stream!;
        var chunks = await ReadAllAsync(stream);

        Assert.Equal(ErrorClass.Success, attempt.Result.Outcome.Class);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.StartsWith("[Cloudflare/", Content(chunks), StringComparison.Ordinal);
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(chunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
    }

    [Theory]
    [InlineData("Scaleway", ErrorClass.Transient, "503")]
    [InlineData("DeepSeek", ErrorClass.Transient, "")]
    [InlineData("Kluster", ErrorClass.MalformedResponse, "ended ([DONE]) before the first token")]
    [InlineData("Novita", ErrorClass.MalformedResponse, "the stream ended before the first token")]
    [InlineData("Nebius", ErrorClass.MalformedResponse, "the stream ended before the first token")]
    public async Task OpenStream_FailureBeforeFirstToken_IsClassifiedWithNoStream(string provider, ErrorClass expected, string reason)
    {
        await using var fixture = await Fixture.StartAsync();

        var attempt = await fixture.OpenAsync(provider);

        Assert.Null(attempt.Stream);
        Assert.Equal(expected, attempt.Result.Outcome.Class);
        Assert.Contains(reason, attempt.Result.Outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenStream_SlowFirstToken_TimesOutAfterFirstTokenTimeout()
    {
        await using var fixture = await Fixture.StartAsync(new Dictionary<string, string?> { ["LlmFunctions:Providers:SambaNova:FirstTokenTimeoutSeconds"] = "0.3" });

        var attempt = await fixture.OpenAsync("SambaNova");

        Assert.Null(attempt.Stream);
        Assert.Equal(ErrorClass.Transient, attempt.Result.Outcome.Class);
        Assert.Equal("no first token within 300ms", attempt.Result.Outcome.Reason);
        Assert.True(attempt.Result.Duration < TimeSpan.FromSeconds(10), $"took {attempt.Result.Duration}");
    }

    [Fact]
    public async Task OpenStream_EverySlotTakenAndNoQueue_MakesNoCallUnlessItMustWait()
    {
        await using var fixture = await Fixture.StartAsync(new Dictionary<string, string?>
        {
            ["LlmFunctions:Providers:SambaNova:MaxConcurrency"] = "1",
            ["LlmFunctions:Providers:SambaNova:MaxQueue"] = "0",
        });
        var descriptor = fixture.Catalog.Find("SambaNova")!;
        var request = new ChatRequest([new ChatMessage("user", "hello")], descriptor.Models[0], null);
        using var first = new CancellationTokenSource();

        // The slot is taken before the first await: the slow first token holds it.
        var holding = fixture.Caller.OpenStreamAsync(descriptor, request, mustWait: true, first.Token);
        var refused = await fixture.Caller.OpenStreamAsync(descriptor, request, mustWait: false).WaitAsync(TestTimeout, CancellationToken.None);
        await first.CancelAsync();
        var held = await holding.WaitAsync(TestTimeout, CancellationToken.None);

        Assert.Null(refused);
        Assert.NotNull(held);
        Assert.Equal(ErrorClass.Cancelled, held.Result.Outcome.Class);
    }

    [Fact]
    public async Task StreamCutAfterThreeChunks_ThrowsAfterThemAndClassifiesAsTransient()
    {
        await using var fixture = await Fixture.StartAsync();

        var attempt = await fixture.OpenAsync("Cerebras");
        await using var stream = attempt.Stream!;
        var received = new List<JsonElement>();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ReadAllAsync(stream, received));

        Assert.Equal(1 + 3, received.Count);
        var outcome = fixture.Classifier.Classify(error, cancelledByCaller: false);
        Assert.Equal(ErrorClass.Transient, outcome.Class);
    }

    [Fact]
    public async Task StreamEndingWithoutDone_ThrowsStreamCutAfterItsChunks()
    {
        await using var fixture = await Fixture.StartAsync();

        var attempt = await fixture.OpenAsync("Hyperbolic");
        await using var stream = attempt.Stream!;
        var received = new List<JsonElement>();
        var error = await Assert.ThrowsAsync<StreamFailureException>(() => ReadAllAsync(stream, received));

        Assert.Equal(1 + 2, received.Count);
        var outcome = fixture.Classifier.Classify(error, cancelledByCaller: false);
        Assert.Equal(ErrorClass.Transient, outcome.Class);
        Assert.Equal("stream cut: the stream ended without [DONE]", outcome.Reason);
    }

    [Fact]
    public async Task MalformedChunkAfterFirstToken_ThrowsJsonExceptionClassifiedMalformed()
    {
        await using var fixture = await Fixture.StartAsync();

        var attempt = await fixture.OpenAsync("Fireworks");
        await using var stream = attempt.Stream!;
        var error = await Assert.ThrowsAnyAsync<JsonException>(() => ReadAllAsync(stream));

        Assert.Equal(ErrorClass.MalformedResponse, fixture.Classifier.Classify(error, cancelledByCaller: false).Class);
    }

    [Fact]
    public async Task DisposingTheStream_ClosesTheProviderConnectionAtOnce()
    {
        await using var fixture = await Fixture.StartAsync();
        var slow = await SimulatorTestHost.StartAsync("""{ "providers": [ { "name": "Groq", "api": "openai", "stream": { "chunks": 100, "chunkLatencyMs": { "fixed": 100 } } } ] }""");
        await using (slow)
        {
            await using var slowFixture = await Fixture.StartAsync(simulator: slow);
            var attempt = await slowFixture.OpenAsync("Groq");
            await attempt.Stream!.DisposeAsync();

            await SimulatorTestHost.WaitUntilAsync(() => slow.Stats.For("Groq").Count(SimulatorOutcomes.StreamCancelled) == 1, "the simulator to see the stream closed");
        }
    }

    private static string Content(List<JsonElement> chunks) => string.Concat(chunks
        .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
        .Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : null));

    private static async Task<List<JsonElement>> ReadAllAsync(StreamingResponse stream, List<JsonElement>? into = null)
    {
        var chunks = into ?? [];
        using var timeout = new CancellationTokenSource(TestTimeout);
        while (await stream.ReadAsync(timeout.Token) is { } chunk)
        {
            chunks.Add(JsonDocument.Parse(chunk.Data).RootElement.Clone());
        }

        return chunks;
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly SimulatorServer? _owned;
        private readonly HttpClient _http;

        private Fixture(SimulatorServer? owned, ProviderCatalog catalog, HttpClient http, ProviderCaller caller, ErrorClassifier classifier)
        {
            _owned = owned;
            Catalog = catalog;
            _http = http;
            Caller = caller;
            Classifier = classifier;
        }

        public ProviderCatalog Catalog { get; }

        public ProviderCaller Caller { get; }

        public ErrorClassifier Classifier { get; }

        public static async Task<Fixture> StartAsync(IDictionary<string, string?>? settings = null, SimulatorServer? simulator = null)
        {
            var owned = simulator is null ? await SimulatorTestHost.StartAsync(Scenario) : null;
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    [ProviderCatalog.SimulatorBaseUrlSetting] = (simulator ?? owned)!.BaseAddress.ToString(),
                })
                .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
                .Build();
            var catalog = ProviderCatalog.Load(configuration);
            var redactor = new SecretRedactor(catalog.SecretValues);
            var http = ProviderHttpHandler.CreateClient();
            var classifier = new ErrorClassifier(TimeProvider.System, redactor);
            return new Fixture(owned, catalog, http, new ProviderCaller(catalog, http, classifier, redactor, TimeProvider.System), classifier);
        }

        public async Task<StreamAttempt> OpenAsync(string provider, bool includeUsage = false)
        {
            var descriptor = Catalog.Find(provider) ?? throw new InvalidOperationException($"{provider} is not in the catalog");
            var parameters = includeUsage ? JsonDocument.Parse("""{"stream_options":{"include_usage":true}}""").RootElement : (JsonElement?)null;
            var request = new ChatRequest([new ChatMessage("user", "hello")], descriptor.Models[0], parameters);
            return (await Caller.OpenStreamAsync(descriptor, request, mustWait: true).WaitAsync(TestTimeout, CancellationToken.None))!;
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (_owned is not null)
            {
                await _owned.DisposeAsync();
            }
        }
    }
}
