using System.Net;

namespace LlmFunctions.FunctionApp.Configuration;

/// <summary>
/// The base on which management links (Durable's check-status URLs) are built: <see cref="HttpOptions.PublicBaseUrl"/>
/// when set; else the request's own address when it is loopback (<c>localhost</c>, <c>127.0.0.1</c>, <c>::1</c>);
/// else nothing, so links are relative to wherever the caller reached the app. A forged <c>Host</c> header therefore
/// never reaches a link.
/// </summary>
public static class ManagementBaseUrl
{
    /// <summary>The scheme, authority and path base to put in front of <c>/runtime/webhooks/...</c>; empty for relative links.</summary>
    /// <param name="request">The request being answered.</param>
    /// <param name="options">The HTTP settings.</param>
    /// <returns>The base, without a trailing slash.</returns>
    public static string For(HttpRequest request, HttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (options.PublicBase is { } configured)
        {
            return configured.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }

        var host = request.Host.Host;
        var loopback = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        return loopback ? $"{request.Scheme}://{request.Host}{request.PathBase}" : request.PathBase.ToString();
    }

    /// <summary>Moves an absolute URL the Functions host built onto <see cref="HttpOptions.PublicBaseUrl"/>, when set,
    /// keeping its path and query.</summary>
    /// <param name="url">The host's URL.</param>
    /// <param name="options">The HTTP settings.</param>
    /// <returns>The URL to publish.</returns>
    public static Uri Rebase(Uri url, HttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(options);
        if (options.PublicBase is not { } configured)
        {
            return url;
        }

        return new Uri(configured.GetLeftPart(UriPartial.Path).TrimEnd('/') + url.PathAndQuery);
    }
}
