namespace LlmFunctions.Providers;

/// <summary>A known provider that is not used, and why (e.g. <c>GROQ_API_KEY is not set</c>).</summary>
/// <param name="Name">The provider name.</param>
/// <param name="Reason">Why it is skipped; never contains a secret.</param>
public sealed record SkippedProvider(string Name, string Reason);
