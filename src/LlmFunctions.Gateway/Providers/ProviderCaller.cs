using System.Collections.Concurrent;
using LlmFunctions.Classification;
using LlmFunctions.Security;
using LlmFunctions.Streaming;
using Polly;
using Polly.Timeout;

namespace LlmFunctions.Providers;

/// <summary>
/// Makes one call to one provider under its per-instance concurrency limit with a bounded queue
/// (<see cref="ProviderSlots"/>), through a Polly pipeline that owns the attempt timeout, and classifies whatever
/// happens. It never throws for a provider's failure: every outcome, including timeouts and
/// network errors, comes back classified. Retries and failover are the policy's job, not this pipeline's.
/// </summary>
public sealed class ProviderCaller : IDisposable
{
    private readonly ProviderCatalog _catalog;
    private readonly ErrorClassifier _classifier;
    private readonly TimeProvider _timeProvider;
    private readonly SecretRedactor _redactor;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ProviderSlots> _slots = new(StringComparer.OrdinalIgnoreCase);
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

    /// <summary>Calls <paramref name="provider"/> once with <paramref name="request"/>, waiting for a slot however long
    /// its queue (up to <paramref name="cancellationToken"/>).</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="request">The request, already within the provider's payload budget.</param>
    /// <param name="cancellationToken">The caller's token; its cancellation is classified as Cancelled.</param>
    /// <returns>The classified result.</returns>
    public async Task<AttemptResult> CallAsync(ProviderDescriptor provider, ChatRequest request, CancellationToken cancellationToken = default) =>
        (await TryCallAsync(provider, request, mustWait: true, cancellationToken))!;

    /// <summary>
    /// Calls <paramref name="provider"/> once with <paramref name="request"/> unless every slot is taken and its queue
    /// on this instance is full (see <see cref="ProviderDescriptor.MaxQueue"/>): then no call is made. The time spent
    /// waiting for a slot is part of the result's duration but not of the attempt timeout.
    /// </summary>
    /// <param name="provider">The provider.</param>
    /// <param name="request">The request, already within the provider's payload budget.</param>
    /// <param name="mustWait">Wait for a slot whatever the queue holds (the caller has no other provider left).</param>
    /// <param name="cancellationToken">The caller's token (bounding the wait and the call); its cancellation is
    /// classified as Cancelled.</param>
    /// <returns>The classified result, or null when the queue was full.</returns>
    public async Task<AttemptResult?> TryCallAsync(ProviderDescriptor provider, ChatRequest request, bool mustWait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(request);
        var started = _timeProvider.GetTimestamp();
        var slots = _slots.GetOrAdd(provider.Name, _ => new ProviderSlots(provider.MaxConcurrency, provider.MaxQueue));
        try
        {
            if (!await slots.EnterAsync(mustWait, cancellationToken))
            {
                return null;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(_classifier.Classify(new OperationCanceledException(cancellationToken), true), null, _timeProvider.GetElapsedTime(started));
        }

        try
        {
            return await CallInSlotAsync(provider, request, started, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<AttemptResult> CallInSlotAsync(ProviderDescriptor provider, ChatRequest request, long started, CancellationToken cancellationToken)
    {
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
    /// <param name="mustWait">Wait for a slot whatever the queue holds (the caller has no other provider left).</param>
    /// <param name="cancellationToken">The caller's token; its cancellation is classified as Cancelled.</param>
    /// <returns>The classified result and, on success, the stream (the caller disposes it); null when every slot was
    /// taken and the provider's queue on this instance full, as for <see cref="TryCallAsync"/>.</returns>
    public async Task<StreamAttempt?> OpenStreamAsync(ProviderDescriptor provider, ChatRequest request, bool mustWait, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(request);
        var started = _timeProvider.GetTimestamp();
        var pipeline = _pipelines.GetOrAdd(provider.Name, _ => BuildPipeline(provider));
        var endpoint = ToEndpoint(provider);
        var key = _catalog.GetApiKey(provider);
        ProviderAdapterBase adapter = provider.Kind == ProviderKind.CloudflareWorkersAi ? _cloudflare : _openAi;
        var slots = _slots.GetOrAdd(provider.Name, _ => new ProviderSlots(provider.MaxConcurrency, provider.MaxQueue));
        var entered = false;
        try
        {
            // The slot is held until the first token: after it, the stream no longer counts against the provider's limit.
            if (!await slots.EnterAsync(mustWait, cancellationToken))
            {
                return null;
            }

            entered = true;
            var (stream, refusal) = await pipeline.ExecuteAsync(
                static async (state, ct) => await StreamOpener.OpenAsync(
                    state.adapter, state.provider, state.endpoint, state.request, state.key, state.redact, state.time, ct),
                (adapter, provider, endpoint, request: request with { Stream = true }, key, redact: (Func<string, string>)(text => _redactor.Redact(text, key)), time: _timeProvider),
                cancellationToken);
            var outcome = refusal is null ? _classifier.ClassifyFirstToken(200, stream?.RateLimitHeaders) : _classifier.Classify(refusal);
            return new StreamAttempt(new AttemptResult(outcome, null, _timeProvider.GetElapsedTime(started)), stream);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var outcome = _classifier.Classify(ex, cancellationToken.IsCancellationRequested);
            return new StreamAttempt(new AttemptResult(outcome, null, _timeProvider.GetElapsedTime(started)), null);
        }
        finally
        {
            if (entered)
            {
                slots.Release();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var slots in _slots.Values)
        {
            slots.Dispose();
        }
    }

    private static ProviderEndpoint ToEndpoint(ProviderDescriptor provider) =>
        new(provider.Name, provider.Kind, provider.BaseUrl, provider.ExtraHeaders, provider.AccountId);

    private ResiliencePipeline BuildPipeline(ProviderDescriptor provider) =>
        new ResiliencePipelineBuilder { TimeProvider = _timeProvider }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = provider.Timeout })
            .Build();
}
