using Microsoft.Extensions.Options;

namespace LlmFunctions.Routing;

/// <summary>How a request's <c>model</c> is mapped to providers, bound from <c>LlmFunctions:Models</c>.</summary>
public sealed class ModelRoutingOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "LlmFunctions:Models";

    /// <summary>The model value that means "any provider".</summary>
    public const string Auto = "auto";

    /// <summary>Gets or sets model names clients send that this gateway does not serve by that name, mapped to a
    /// provider (<c>Groq</c>), a <c>Provider/model</c> or a model id, e.g. <c>gpt-4o-mini</c> →
    /// <c>Groq/llama-3.1-8b-instant</c> (<c>LlmFunctions__Models__Aliases__gpt-4o-mini</c>). Names are matched ignoring
    /// case; <c>GET /v1/models</c> lists them.</summary>
    /// <value>The default is none.</value>
    public Dictionary<string, string> Aliases { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets where a model nobody serves goes: empty for a 404 <c>model_not_found</c> (so a client
    /// asking for a model is never silently answered by another one), <c>auto</c> for any provider, or a provider,
    /// <c>Provider/model</c> or model id to try first.</summary>
    /// <value>The default is empty: 404.</value>
    public string DefaultRoute { get; set; } = string.Empty;
}

/// <summary>Validates <see cref="ModelRoutingOptions"/>, naming the setting.</summary>
public sealed class ModelRoutingOptionsValidator : IValidateOptions<ModelRoutingOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ModelRoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (alias, target) in options.Aliases)
        {
            if (string.IsNullOrWhiteSpace(target))
            {
                errors.Add($"{ModelRoutingOptions.SectionName}:Aliases:{alias} must name a provider, a Provider/model or a model id, was empty");
            }
            else if (options.Aliases.ContainsKey(target))
            {
                errors.Add($"{ModelRoutingOptions.SectionName}:Aliases:{alias} must not name another alias ('{target}')");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
