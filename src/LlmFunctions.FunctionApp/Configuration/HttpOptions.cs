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
}

/// <summary>Validates <see cref="HttpOptions"/>, naming the setting and its value.</summary>
public sealed class HttpOptionsValidator : IValidateOptions<HttpOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, HttpOptions options) =>
        options.SyncWaitSeconds is < 0 or > HttpOptions.MaxSyncWaitSeconds
            ? ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{HttpOptions.SectionName}:SyncWaitSeconds must be between 0 and {HttpOptions.MaxSyncWaitSeconds}, was {options.SyncWaitSeconds}"))
            : ValidateOptionsResult.Success;
}
