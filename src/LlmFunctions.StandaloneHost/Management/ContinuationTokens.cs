using System.Buffers.Text;
using System.Text;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>
/// The <c>x-ms-continuation-token</c> header. DTFx's token is Azure Tables' next partition and row keys, which hold
/// instance ids and so may be any Unicode; it travels base64url-encoded so the header stays ASCII, and a token that does
/// not decode is refused before it reaches storage.
/// </summary>
internal static class ContinuationTokens
{
    public const string HeaderName = "x-ms-continuation-token";

    private const int MaxLength = 4096;

    public static string Encode(string storageToken) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(storageToken));

    public static string? Decode(string? headerValue)
    {
        if (string.IsNullOrEmpty(headerValue))
        {
            return null;
        }

        if (headerValue.Length > MaxLength || !Base64Url.IsValid(headerValue))
        {
            throw Malformed();
        }

        try
        {
            var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)
                .GetString(Base64Url.DecodeFromChars(headerValue));
            return text.Length > 0 && !text.Any(char.IsControl) ? text : throw Malformed();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw Malformed();
        }
    }

    public static BadParameterException Malformed() =>
        new(HeaderName, $"The '{HeaderName}' header is not a continuation token this API returned.");
}
