namespace LlmFunctions.Simulator;

/// <summary>The wire protocol a simulated provider speaks.</summary>
public enum SimulatorApi
{
    /// <summary>OpenAI-compatible <c>POST /{provider}/v1/chat/completions</c> (scenario value <c>"openai"</c>).</summary>
    OpenAi,

    /// <summary>Cloudflare Workers AI <c>POST /{provider}/client/v4/accounts/{id}/ai/run/{model}</c> (scenario value <c>"cloudflare"</c>).</summary>
    Cloudflare,
}
