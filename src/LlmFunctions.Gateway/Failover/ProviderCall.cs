using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>Makes one call to one provider for an attempt and classifies it; never throws for a provider's failure.
/// <see cref="ProviderCaller.CallAsync"/> is the default; a stream uses <see cref="ProviderCaller.OpenStreamAsync"/>
/// up to its first token.</summary>
/// <param name="provider">The provider.</param>
/// <param name="request">The request, within the provider's budget.</param>
/// <param name="cancellationToken">The caller's token.</param>
/// <returns>The classified result.</returns>
public delegate Task<AttemptResult> ProviderCall(ProviderDescriptor provider, ChatRequest request, CancellationToken cancellationToken);
