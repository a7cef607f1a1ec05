using System.Text.Json;

namespace LlmFunctions.Caching;

/// <summary>An answer read from the response cache.</summary>
/// <param name="Body">The OpenAI <c>chat.completion</c> JSON as the provider answered it.</param>
/// <param name="ServedBy">The <c>Provider/model</c> that answered.</param>
/// <param name="StoredAt">When the answer was stored.</param>
/// <param name="FreshUntil">Until when it may be served instead of calling providers (exclusive).</param>
/// <param name="KeepUntil">Until when it may be served when every provider failed (stale-if-error); after it the entry
/// is gone.</param>
public sealed record CachedAnswer(JsonElement Body, string ServedBy, DateTimeOffset StoredAt, DateTimeOffset FreshUntil, DateTimeOffset KeepUntil)
{
    /// <summary>Whether the answer may still be served instead of calling providers at <paramref name="now"/>.</summary>
    /// <param name="now">The current instant.</param>
    /// <returns>True before <see cref="FreshUntil"/>.</returns>
    public bool IsFreshAt(DateTimeOffset now) => now < FreshUntil;
}
