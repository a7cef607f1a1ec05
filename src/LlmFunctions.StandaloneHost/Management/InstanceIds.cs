namespace LlmFunctions.StandaloneHost.Management;

/// <summary>The instance-id rules of Durable Functions' client (<c>DurableClient.StartNewAsync</c>).</summary>
internal static class InstanceIds
{
    public const int MaxLength = 256;

    public static void Validate(string? instanceId, string parameterName = "instanceId")
    {
        if (string.IsNullOrWhiteSpace(instanceId))
        {
            throw new BadParameterException(parameterName, $"The '{parameterName}' is empty.");
        }

        if (instanceId.Length > MaxLength)
        {
            throw new BadParameterException(parameterName, $"The '{parameterName}' is longer than {MaxLength} characters.");
        }

        if (instanceId.Any(c => c is '/' or '\\' or '?' or '#' || char.IsControl(c)))
        {
            throw new BadParameterException(parameterName, $"The '{parameterName}' must not contain /, \\, #, ? or control characters.");
        }
    }
}
