using System.Text.Json;
using LlmFunctions.Providers;

namespace LlmFunctions.Streaming;

/// <summary>Opens one provider's stream and reads it up to its first token, within the provider's
/// <see cref="ProviderDescriptor.FirstTokenTimeout"/>. A refusal (non-2xx) comes back as the provider's response for
/// the classifier; every other failure before the first token throws.</summary>
internal static class StreamOpener
{
    /// <summary>Whether the caller asked for a usage chunk (<c>stream_options.include_usage</c>, relayed in the parameters).</summary>
    public static bool IncludeUsage(ChatRequest request) =>
        request.Parameters is { ValueKind: JsonValueKind.Object } parameters
        && parameters.TryGetProperty("stream_options"u8, out var options) && options.ValueKind == JsonValueKind.Object
        && options.TryGetProperty("include_usage"u8, out var include) && include.ValueKind == JsonValueKind.True;

    public static async Task<(StreamingResponse? Stream, ProviderResponse? Refusal)> OpenAsync(
        ProviderAdapterBase adapter, ProviderDescriptor provider, ProviderEndpoint endpoint, ChatRequest request, string apiKey,
        Func<string, string> redact, TimeProvider time, CancellationToken cancellationToken)
    {
        using var firstToken = new CancellationTokenSource(provider.FirstTokenTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, firstToken.Token);
        HttpResponseMessage? response = null;
        StreamingResponse? stream = null;
        try
        {
            response = await adapter.SendStreamingAsync(endpoint, request, apiKey, linked.Token).ConfigureAwait(false);
            if ((int)response.StatusCode is < 200 or > 299)
            {
                var refusal = await adapter.ReadRefusalAsync(response, apiKey, linked.Token).ConfigureAwait(false);
                response.Dispose();
                return (null, refusal);
            }

            var body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            StreamDialect dialect = provider.Kind == ProviderKind.CloudflareWorkersAi
                ? new CloudflareStreamDialect(request.Model, time.GetUtcNow().ToUnixTimeSeconds(), IncludeUsage(request))
                : new OpenAiStreamDialect();
            stream = new StreamingResponse(response, body, dialect, time, provider.Timeout, redact);
            await stream.ReadToFirstTokenAsync(linked.Token).ConfigureAwait(false);
            return (stream, null);
        }
        catch (Exception ex)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            response?.Dispose();
            if (ex is OperationCanceledException && firstToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new StreamFailureException(StreamFailure.FirstTokenTimeout, "no first token in time", timeout: provider.FirstTokenTimeout);
            }

            throw;
        }
    }
}
