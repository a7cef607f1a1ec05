using Azure;

namespace LlmFunctions.Caching;

/// <summary>One cache entry as the listing shows it.</summary>
/// <param name="Name">The blob's name.</param>
/// <param name="Bytes">The blob's size.</param>
/// <param name="ETag">The blob's ETag, so a delete never removes an entry rewritten since the listing.</param>
/// <param name="Metadata">The entry's metadata, or null when unreadable.</param>
internal sealed record CacheListing(string Name, long Bytes, ETag ETag, CacheEntryMetadata? Metadata);
