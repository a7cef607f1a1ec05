using LlmFunctions.Providers;

namespace LlmFunctions.Failover;

/// <summary>Makes one call to one provider for an attempt and classifies it; never throws for a provider's failure.
/// <see cref="ProviderCaller.TryCallAsync"/> is the default; a stream uses <see cref="ProviderCaller.OpenStreamAsync"/>
/// up to its first token.</summary>
/// <param name="provider">The provider.</param>
/// <param name="request">The request, within the provider's budget.</param>
/// <param name="mustWait">Wait for a concurrency slot whatever the provider's queue holds (no other provider left).</param>
/// <param name="cancellationToken">The caller's token.</param>
/// <returns>The classified result, or null when the provider's queue on this instance was full and no call was made.</returns>
public delegate Task<AttemptResult?> ProviderCall(ProviderDescriptor provider, ChatRequest request, bool mustWait, CancellationToken cancellationToken);
