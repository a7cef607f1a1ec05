namespace LlmFunctions.Providers;

/// <summary>Thrown at start-up when provider settings are invalid. The message names every bad setting.</summary>
public sealed class ProviderCatalogException : Exception
{
    /// <summary>Initializes a new instance with the list of errors, each naming its setting.</summary>
    /// <param name="errors">The errors.</param>
    public ProviderCatalogException(IReadOnlyList<string> errors)
        : base("Invalid provider settings:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
    {
        Errors = errors;
    }

    /// <summary>Initializes a new instance.</summary>
    public ProviderCatalogException()
        : this([])
    {
    }

    /// <summary>Initializes a new instance with one message.</summary>
    /// <param name="message">The message.</param>
    public ProviderCatalogException(string message)
        : this([message])
    {
    }

    /// <summary>Initializes a new instance with one message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ProviderCatalogException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Gets each error; every one names the setting it is about.</summary>
    public IReadOnlyList<string> Errors { get; } = [];
}
