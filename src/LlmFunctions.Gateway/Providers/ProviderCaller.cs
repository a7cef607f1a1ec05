using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using LlmFunctions.Classification;
using LlmFunctions.Security;
using LlmFunctions.Streaming;
using Polly;
using Polly.Timeout;

namespace LlmFunctions.Providers;

/// <summary>
/// Makes one call to one provider through a Polly pipeline (per-provider concurrency limit, then the attempt timeout)
/// and classifies whatever happens. It never throws for a provider's failure: every outcome, including timeouts and
/// network errors, comes back classified. Retries and failover are the policy's job, not this pipeline's.
/// </summary>
public sealed class ProviderCaller
{
    private readonly ProviderCatalog _catalog;
    private readonly ErrorClassifier _classifier;
    private readonly TimeProvider _timeProvider;
    private readonly SecretRedactor _redactor;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.OrdinalIgnoreCase);
    private readonly OpenAiCompatibleAdapter _openAi;
    private readonly CloudflareWorkersAiAdapter _cloudflare;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="catalog">The provider catalog (for API keys).</param>
    /// <param name="httpClient">An HttpClient whose handler does not follow redirects and whose Timeout is infinite.</param>
    /// <param name="classifier">The error classifier.</param>
    /// <param name="redactor">Redacts secrets from body excerpts.</param>
    /// <param name="timeProvider">The time source for the attempt timeout.</param>
    public ProviderCaller(ProviderCatalog catalog, HttpClient httpClient, ErrorClassifier classifier, SecretRedactor redactor, TimeProvider timeProvider)
    {
        _catalog = catalog;
        _classifier = classifier;
        _timeProvider = timeProvider;
        _redactor = redactor;
        _openAi = new OpenAiCompatibleAdapter(httpClient, redactor);
        _cloudflare = new CloudflareWorkersAiAdapter(httpClient, redactor);
    }

    /// <summary>Calls <paramref name="provider"/> once with <paramref name="request"/>.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="request">The request, already within the provider's payload budget.</param>
    /// <param name="cancellationToken">The caller's token; its cancellation is classified as Cancelled.</param>
    /// <returns>The classified result.</returns>
    public async Task<AttemptResult> CallAsync(ProviderDescriptor provider, ChatRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(request);
        var started = _timeProvider.GetTimestamp();
        var pipeline = _pipelines.GetOrAdd(provider.Name, _ => BuildPipeline(provider));
        var endpoint = ToEndpoint(provider);
        var key = _catalog.GetApiKey(provider);
        IProviderAdapter adapter = provider.Kind == ProviderKind.CloudflareWorkersAi ? _cloudflare : _openAi;
        try
        {
            var response = await pipeline.ExecuteAsync(
                static async (state, ct) => await state.adapter.SendAsync(state.endpoint, state.request, state.key, ct),
                (adapter, endpoint, request, key),
                cancellationToken);
            var outcome = _classifier.Classify(response);
            return new AttemptResult(outcome, outcome.Class == ErrorClass.Success ? response.Completion : null, _timeProvider.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var outcome = _classifier.Classify(ex, cancellationToken.IsCancellationRequested);
            return new AttemptResult(outcome, null, _timeProvider.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// Opens a stream from <paramref name="provider"/> (<see cref="ChatRequest.Stream"/> is set here) and reads it up
    /// to its first content or tool-call delta, through the same pipeline as <see cref="CallAsync"/>: the concurrency
    /// slot and the attempt timeout cover the wait for the first token, and so does the provider's first-token
    /// timeout. Every failure before the first token comes back classified; a success carries the live stream.
    /// </summary>
    /// <param name="provider">The provider.</param>
    /// <param name="request">The request, already within the provider's payload budget.</param>
    /// <param name="cancellationToken">The caller's token; its cancellation is classified as Cancelled.</param>
    /// <returns>The classified result and, on success, the stream (the caller disposes it).</returns>
    public async Task<StreamAttempt> OpenStreamAsync(ProviderDescriptor provider, ChatRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(request);
        var started = _timeProvider.GetTimestamp();
        var pipeline = _pipelines.GetOrAdd(provider.Name, _ => BuildPipeline(provider));
        var endpoint = ToEndpoint(provider);
        var key = _catalog.GetApiKey(provider);
        ProviderAdapterBase adapter = provider.Kind == ProviderKind.CloudflareWorkersAi ? _cloudflare : _openAi;
        try
        {
            var (stream, refusal) = await pipeline.ExecuteAsync(
                static async (state, ct) => await StreamOpener.OpenAsync(
                    state.adapter, state.provider, state.endpoint, state.request, state.key, state.redact, state.time, ct),
                (adapter, provider, endpoint, request: request with { Stream = true }, key, redact: (Func<string, string>)(text => _redactor.Redact(text, key)), time: _timeProvider),
                cancellationToken);
            var outcome = refusal is null ? ErrorClassifier.ClassifyFirstToken(200) : _classifier.Classify(refusal);
            return new StreamAttempt(new AttemptResult(outcome, null, _timeProvider.GetElapsedTime(started)), stream);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var outcome = _classifier.Classify(ex, cancellationToken.IsCancellationRequested);
            return new StreamAttempt(new AttemptResult(outcome, null, _timeProvider.GetElapsedTime(started)), null);
        }
    }

    private static ProviderEndpoint ToEndpoint(ProviderDescriptor provider) =>
        new(provider.Name, provider.Kind, provider.BaseUrl, provider.ExtraHeaders, provider.AccountId);

    private ResiliencePipeline BuildPipeline(ProviderDescriptor provider) =>
        new ResiliencePipelineBuilder { TimeProvider = _timeProvider }
            .AddConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = provider.MaxConcurrency,
                QueueLimit = 100_000,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = provider.Timeout })
            .Build();
}
