namespace LlmFunctions.Health;

/// <summary>Identifies one provider and model: the unit that health is tracked for.</summary>
/// <param name="Provider">The provider's catalog name (e.g. <c>Groq</c>).</param>
/// <param name="Model">The provider's model id.</param>
public readonly record struct ProviderKey(string Provider, string Model)
{
    /// <inheritdoc />
    public override string ToString() => $"{Provider}/{Model}";
}
