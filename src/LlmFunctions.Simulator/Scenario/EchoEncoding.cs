namespace LlmFunctions.Simulator;

/// <summary>How a provider echoes the <c>Authorization</c> header in an error body.</summary>
public enum EchoEncoding
{
    /// <summary>As received.</summary>
    Raw,

    /// <summary>JSON-escaped the strict way: every non-alphanumeric ASCII character as <c>\uXXXX</c>, <c>/</c> as <c>\/</c>.</summary>
    Json,

    /// <summary>URL-encoded (<c>%2F</c>, <c>%2B</c>, <c>%3D</c>, <c>%20</c>).</summary>
    Url,

    /// <summary>Base64 of the whole header value (<c>Bearer &lt;key&gt;</c>).</summary>
    Base64,
}
