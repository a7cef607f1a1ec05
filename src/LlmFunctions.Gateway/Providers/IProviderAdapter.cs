namespace LlmFunctions.Providers;

/// <summary>Sends one chat request to one provider and reports what came back, whatever the status.</summary>
public interface IProviderAdapter
{
    /// <summary>Gets the wire protocol this adapter speaks.</summary>
    ProviderKind Kind { get; }

    /// <summary>Sends the request. Returns a <see cref="ProviderResponse"/> for every HTTP status (never throws
    /// on 4xx/5xx); network failures and cancellation propagate as exceptions for the classifier.</summary>
    /// <param name="endpoint">The provider to call.</param>
    /// <param name="request">What to send.</param>
    /// <param name="apiKey">The provider's API key (sent as a bearer token, redacted from everything returned).</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The provider's response.</returns>
    Task<ProviderResponse> SendAsync(
        ProviderEndpoint endpoint, ChatRequest request, string apiKey, CancellationToken cancellationToken);
}
