namespace LlmFunctions.Providers.Wire;

internal sealed record CloudflareRunResponse(bool? Success, CloudflareResult? Result);

internal sealed record CloudflareResult(string? Response, WireUsage? Usage);

internal sealed record WireUsage(int? PromptTokens, int? CompletionTokens);
