using System.Globalization;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Configuration;

/// <summary>Settings of the HTTP front door, bound from <c>LlmFunctions:Http</c>.</summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "LlmFunctions:Http";

    /// <summary>The longest a synchronous request waits in process for a backoff before it is handed off.</summary>
    public const int MaxSyncWaitSeconds = 230;

    /// <summary>Gets or sets how long, from arrival, a synchronous request may spend waiting out backoffs (0 to
    /// 230; Azure's front end drops idle HTTP requests at 230 s). A wait that would end later is handed off.</summary>
    public int SyncWaitSeconds { get; set; } = 60;

    /// <summary>Gets or sets the app's public base URL (<c>https://gateway.example.org</c>), on which Durable's
    /// management links are built. The request's <c>Host</c> header is never trusted for them: without this setting,
    /// links use the request's address only when it is loopback, and are relative (path only) otherwise.</summary>
    /// <value>The default is none.</value>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Gets <see cref="PublicBaseUrl"/> parsed; null when empty (or not an absolute URL, which start-up refuses).</summary>
    public Uri? PublicBase =>
        !string.IsNullOrWhiteSpace(PublicBaseUrl) && Uri.TryCreate(PublicBaseUrl.Trim(), UriKind.Absolute, out var url) ? url : null;

    /// <summary>Gets or sets the browser origins (<c>https://app.example.org</c>, separated by <c>;</c> or <c>,</c>)
    /// allowed to call the app cross-origin: CORS is answered for them only, and state-changing requests from any
    /// other foreign origin are refused. The standalone host enforces it; in Azure set the Function App's CORS too.</summary>
    /// <value>The default is none: CORS off.</value>
    public string? AllowedOrigins { get; set; }

    /// <summary>Gets the allowed origins, parsed.</summary>
    public IReadOnlyList<string> AllowedOriginList =>
        (AllowedOrigins ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(o => o.TrimEnd('/'))
            .ToList();
}

/// <summary>Validates <see cref="HttpOptions"/>, naming the setting and its value.</summary>
public sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.SyncWaitSeconds is < 0 or > HttpOptions.MaxSyncWaitSeconds)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{HttpOptions.SectionName}:SyncWaitSeconds must be between 0 and {HttpOptions.MaxSyncWaitSeconds}, was {options.SyncWaitSeconds}"));
        }

        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            && (options.PublicBase is not { } url || url.Scheme is not ("http" or "https") || url.Query.Length > 0 || url.Fragment.Length > 0))
        {
            failures.Add($"{HttpOptions.SectionName}:PublicBaseUrl must be an absolute http or https URL without query or fragment, was '{options.PublicBaseUrl}'");
        }

        foreach (var origin in options.AllowedOriginList)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.PathAndQuery != "/" || parsed.Fragment.Length > 0)
            {
                failures.Add($"{HttpOptions.SectionName}:AllowedOrigins must hold origins (scheme://host[:port], no path), held '{origin}'");
            }
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
