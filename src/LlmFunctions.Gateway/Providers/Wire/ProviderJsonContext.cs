using System.Text.Json.Serialization;

namespace LlmFunctions.Providers.Wire;

/// <summary>Source-generated (reflection-free) serialization for the provider wire formats read into records.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CloudflareRunResponse))]
internal sealed partial class ProviderJsonContext : JsonSerializerContext;
