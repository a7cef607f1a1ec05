namespace LlmFunctions.Providers.Wire;

internal sealed record CloudflareRunRequest(IReadOnlyList<WireMessage> Messages, int? MaxTokens, double? Temperature, bool? Stream = null);

internal sealed record CloudflareRunResponse(bool? Success, CloudflareResult? Result);

internal sealed record CloudflareResult(string? Response, WireUsage? Usage);
