namespace LlmFunctions.Providers.Wire;

internal sealed record WireMessage(string Role, string Content);

internal sealed record OpenAiChatRequest(
    string Model,
    IReadOnlyList<WireMessage> Messages,
    int? MaxTokens,
    double? Temperature,
    bool Stream,
    OpenAiStreamOptions? StreamOptions = null);

internal sealed record OpenAiStreamOptions(bool IncludeUsage);

internal sealed record OpenAiChatResponse(string? Model, IReadOnlyList<OpenAiChoice>? Choices, WireUsage? Usage);

internal sealed record OpenAiChoice(OpenAiResponseMessage? Message, string? FinishReason);

internal sealed record OpenAiResponseMessage(string? Content);

internal sealed record WireUsage(int? PromptTokens, int? CompletionTokens);
