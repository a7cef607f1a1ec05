using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmFunctions.Security;

namespace LlmFunctions.Providers;

/// <summary>
/// The HTTP plumbing shared by every adapter: send once, keep the status and rate-limit headers, read the body
/// once up to <see cref="MaxBodyBytes"/>, and return a <see cref="ProviderResponse"/> for every status.
/// The <see cref="HttpClient"/> must come from <see cref="ProviderHttpHandler"/> (no redirects, infinite timeout).
/// </summary>
public abstract class ProviderAdapterBase : IProviderAdapter
{
    /// <summary>The largest body read; a larger 2xx body is a parse error.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The longest body excerpt kept.</summary>
    public const int MaxExcerptChars = 512;

    // Redact a wider window than we keep so a secret straddling the excerpt's end cannot leave a visible prefix.
    private const int RedactionWindowBytes = 8 * 1024;

    private const string RateLimitHeaderPrefix = "x-ratelimit-";

    private readonly HttpClient _httpClient;

    /// <summary>Initializes a new instance of the <see cref="ProviderAdapterBase"/> class.</summary>
    /// <param name="httpClient">The client to send with (redirects off, <see cref="Timeout.InfiniteTimeSpan"/>).</param>
    /// <param name="redactor">Removes secrets from body excerpts.</param>
    protected ProviderAdapterBase(HttpClient httpClient, SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(redactor);
        _httpClient = httpClient;
        Redactor = redactor;
    }

    /// <inheritdoc />
    public abstract ProviderKind Kind { get; }

    /// <summary>Gets the redactor used for excerpts.</summary>
    protected SecretRedactor Redactor { get; }

    /// <inheritdoc />
    public async Task<ProviderResponse> SendAsync(
        ProviderEndpoint endpoint, ChatRequest request, string apiKey, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(endpoint, request, apiKey, "application/json");
        using var response = await _httpClient
            .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        var (body, tooLarge) = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;

        ChatCompletion? completion = null;
        string? parseError = null;
        if (status is >= 200 and <= 299)
        {
            (completion, parseError) = tooLarge ? (null, "body too large") : TryParse(body, request);
        }

        return ToProviderResponse(response, body, apiKey) with { Completion = completion, ParseError = parseError };
    }

    /// <summary>Sends a streaming request (<see cref="ChatRequest.Stream"/>) and returns as soon as the headers arrive;
    /// the body is left unread for the caller, who owns (and must dispose) the response.</summary>
    /// <param name="endpoint">The provider to call.</param>
    /// <param name="request">What to send; its <see cref="ChatRequest.Stream"/> should be true.</param>
    /// <param name="apiKey">The provider's API key.</param>
    /// <param name="cancellationToken">Cancels the send (not the later reads of the body).</param>
    /// <returns>The response, whatever its status.</returns>
    public async Task<HttpResponseMessage> SendStreamingAsync(
        ProviderEndpoint endpoint, ChatRequest request, string apiKey, CancellationToken cancellationToken)
    {
        using var message = CreateMessage(endpoint, request, apiKey, "text/event-stream");
        return await _httpClient
            .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Reads what a provider answered instead of a stream (a non-2xx status), for the classifier: status,
    /// rate-limit headers and a redacted excerpt of at most <see cref="MaxBodyBytes"/> of body.</summary>
    /// <param name="response">The response; not disposed here.</param>
    /// <param name="apiKey">The key to redact.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The response for <c>ErrorClassifier.Classify</c>.</returns>
    public async Task<ProviderResponse> ReadRefusalAsync(HttpResponseMessage response, string apiKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var (body, _) = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
        return ToProviderResponse(response, body, apiKey);
    }

    private HttpRequestMessage CreateMessage(ProviderEndpoint endpoint, ChatRequest request, string apiKey, string accept)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);

        var message = new HttpRequestMessage(HttpMethod.Post, BuildUri(endpoint, request))
        {
            Content = BuildContent(request),
        };
        foreach (var (name, value) in endpoint.ExtraHeaders)
        {
            if (!name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        return message;
    }

    private ProviderResponse ToProviderResponse(HttpResponseMessage response, byte[] body, string apiKey) => new()
    {
        StatusCode = (int)response.StatusCode,
        RetryAfter = HeaderValue(response.Headers, "Retry-After"),
        RateLimitHeaders = RateLimitHeaders(response.Headers),
        BodyExcerpt = Excerpt(body, apiKey),
    };

    /// <summary>Builds the request URI for this provider kind.</summary>
    /// <param name="endpoint">The provider.</param>
    /// <param name="request">The request (its model may be part of the path).</param>
    /// <returns>The absolute URI to POST to.</returns>
    protected abstract Uri BuildUri(ProviderEndpoint endpoint, ChatRequest request);

    /// <summary>Serializes the request body.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The JSON content.</returns>
    protected abstract HttpContent BuildContent(ChatRequest request);

    /// <summary>Parses a 2xx body into a completion, or says why it cannot.</summary>
    /// <param name="body">The UTF-8 body (never larger than <see cref="MaxBodyBytes"/>).</param>
    /// <param name="request">The request, for defaults such as the model name.</param>
    /// <returns>The completion, or null and a short parse error.</returns>
    protected abstract (ChatCompletion? Completion, string? Error) ParseCompletion(ReadOnlySpan<byte> body, ChatRequest request);

    /// <summary>Wraps a serialized JSON body as request content.</summary>
    /// <param name="utf8Json">The UTF-8 JSON.</param>
    /// <returns>The content, typed <c>application/json</c>.</returns>
    protected static HttpContent JsonBody(byte[] utf8Json)
    {
        var content = new ByteArrayContent(utf8Json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>Appends <paramref name="relativePath"/> to the base URL, keeping any base path.</summary>
    /// <param name="baseUrl">The base URL.</param>
    /// <param name="relativePath">The already-escaped path to append, without a leading slash.</param>
    /// <returns>The combined URI.</returns>
    protected static Uri Combine(Uri baseUrl, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/" + relativePath, UriKind.Absolute);
    }

    private (ChatCompletion? Completion, string? Error) TryParse(byte[] body, ChatRequest request)
    {
        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return (null, "empty body");
        }

        try
        {
            return ParseCompletion(body, request);
        }
        catch (JsonException)
        {
            return (null, "invalid JSON");
        }
    }

    private static async Task<(byte[] Body, bool TooLarge)> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxBodyBytes)
        {
            // Keep only a prefix for the excerpt; the rest is never read.
            var prefix = await ReadAtMostAsync(content, RedactionWindowBytes, cancellationToken).ConfigureAwait(false);
            return (prefix, true);
        }

        var body = await ReadAtMostAsync(content, MaxBodyBytes + 1, cancellationToken).ConfigureAwait(false);
        return body.Length > MaxBodyBytes ? (body[..RedactionWindowBytes], true) : (body, false);
    }

    private static async Task<byte[]> ReadAtMostAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                while (buffer.Length < limit)
                {
                    var toRead = (int)Math.Min(chunk.Length, limit - buffer.Length);
                    var read = await stream.ReadAsync(chunk.AsMemory(0, toRead), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return buffer.ToArray();
        }
    }

    private string Excerpt(byte[] body, string apiKey)
    {
        if (body.Length == 0)
        {
            return string.Empty;
        }

        var window = Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, RedactionWindowBytes)));
        var redacted = Redactor.Redact(window, apiKey);
        return redacted.Length <= MaxExcerptChars ? redacted : redacted[..MaxExcerptChars];
    }

    private static string? HeaderValue(HttpResponseHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    /// <summary>The <c>x-ratelimit-*</c> headers of a response, names lower-cased.</summary>
    internal static Dictionary<string, string> RateLimitHeaders(HttpResponseHeaders headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers.NonValidated)
        {
            if (name.StartsWith(RateLimitHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                result[name.ToLowerInvariant()] = values.ToString();
            }
        }

        return result;
    }
}
