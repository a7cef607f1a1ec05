using System.Globalization;

namespace LlmFunctions.Caching;

/// <summary>
/// What a cache entry's blob metadata holds besides the answer: when it was stored, until when it is fresh and kept, who
/// answered and for which scope. In metadata, so a read gets it with the body in one call and pruning gets it from the
/// listing without downloading bodies.
/// </summary>
/// <param name="StoredAt">When the answer was stored.</param>
/// <param name="FreshUntil">Until when it may be served instead of calling providers.</param>
/// <param name="KeepUntil">Until when it is kept.</param>
/// <param name="ServedBy">The <c>Provider/model</c> that answered.</param>
/// <param name="Scope">The route or model the key was computed for (for an operator reading the container; shortened
/// to <see cref="MaxScopeChars"/>).</param>
internal sealed record CacheEntryMetadata(DateTimeOffset StoredAt, DateTimeOffset FreshUntil, DateTimeOffset KeepUntil, string ServedBy, string Scope)
{
    /// <summary>How much of the scope is kept in metadata: enough to recognise a route or model, and far below the 8 KiB
    /// that all of a blob's metadata may take.</summary>
    public const int MaxScopeChars = 128;

    private const string StoredAtName = "storedat";
    private const string FreshUntilName = "freshuntil";
    private const string KeepUntilName = "keepuntil";
    private const string ServedByName = "servedby";
    private const string ScopeName = "scope";

    /// <summary>Whether the entry may be served instead of calling providers at <paramref name="now"/>.</summary>
    /// <param name="now">The current instant.</param>
    /// <returns>True before <see cref="FreshUntil"/>.</returns>
    public bool IsFreshAt(DateTimeOffset now) => now < FreshUntil;

    /// <summary>Whether the entry is past its keep time at <paramref name="now"/>.</summary>
    /// <param name="now">The current instant.</param>
    /// <returns>True from <see cref="KeepUntil"/> on.</returns>
    public bool IsExpiredAt(DateTimeOffset now) => now >= KeepUntil;

    /// <summary>Writes the metadata. Values are percent-encoded: metadata travels as HTTP headers, which take ASCII only.</summary>
    /// <returns>The blob metadata.</returns>
    public Dictionary<string, string> ToMetadata() => new(StringComparer.OrdinalIgnoreCase)
    {
        [StoredAtName] = Instant(StoredAt),
        [FreshUntilName] = Instant(FreshUntil),
        [KeepUntilName] = Instant(KeepUntil),
        [ServedByName] = Uri.EscapeDataString(ServedBy),
        [ScopeName] = Uri.EscapeDataString(Shortened(Scope)),
    };

    /// <summary>Reads the metadata of an entry.</summary>
    /// <param name="metadata">The blob's metadata, or null when the listing or response had none.</param>
    /// <param name="entry">The entry's metadata when readable.</param>
    /// <returns>False when a field is missing or malformed (an entry this code did not write whole).</returns>
    public static bool TryRead(IDictionary<string, string>? metadata, out CacheEntryMetadata entry)
    {
        entry = null!;
        if (metadata is null)
        {
            return false;
        }

        var values = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        if (!TryInstant(values, StoredAtName, out var storedAt)
            || !TryInstant(values, FreshUntilName, out var freshUntil)
            || !TryInstant(values, KeepUntilName, out var keepUntil)
            || !values.TryGetValue(ServedByName, out var servedBy)
            || freshUntil < storedAt
            || keepUntil < freshUntil)
        {
            return false;
        }

        try
        {
            entry = new CacheEntryMetadata(
                storedAt,
                freshUntil,
                keepUntil,
                Uri.UnescapeDataString(servedBy),
                values.TryGetValue(ScopeName, out var scope) ? Uri.UnescapeDataString(scope) : string.Empty);
            return true;
        }
        catch (UriFormatException)
        {
            return false;
        }
    }

    private static string Instant(DateTimeOffset instant) => instant.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static bool TryInstant(Dictionary<string, string> values, string name, out DateTimeOffset instant)
    {
        instant = default;
        return values.TryGetValue(name, out var text)
            && DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }

    private static string Shortened(string scope)
    {
        if (scope.Length <= MaxScopeChars)
        {
            return scope;
        }

        // Never cut a surrogate pair: half of one cannot be percent-encoded.
        var length = char.IsHighSurrogate(scope[MaxScopeChars - 1]) ? MaxScopeChars - 1 : MaxScopeChars;
        return scope[..length];
    }
}
