namespace LlmFunctions.StandaloneHost.Security;

/// <summary>Marks Durable's instance status route (<c>GET .../instances/{instanceId}</c>): besides the master key it
/// accepts the instance's own status code (<see cref="HostKeys.StatusCodeFor"/>) in <c>?code=</c>.</summary>
public sealed class InstanceStatusEndpoint
{
    private InstanceStatusEndpoint()
    {
    }

    /// <summary>Gets the one instance of the marker.</summary>
    public static InstanceStatusEndpoint Instance { get; } = new();
}
