using LlmFunctions.Providers;

namespace LlmFunctions.Streaming;

/// <summary>One attempt to open a provider's stream: its classified result (a success means a first token arrived;
/// the duration is the time to it) and, on success, the live stream to relay.</summary>
/// <param name="Result">The classified result.</param>
/// <param name="Stream">The stream, when <paramref name="Result"/> is a success; the caller owns it.</param>
public sealed record StreamAttempt(AttemptResult Result, StreamingResponse? Stream);
