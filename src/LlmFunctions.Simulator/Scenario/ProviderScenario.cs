namespace LlmFunctions.Simulator;

/// <summary>How one simulated provider behaves.</summary>
public sealed class ProviderScenario
{
    internal ProviderScenario(string name, SimulatorApi api)
    {
        Name = name;
        Api = api;
    }

    /// <summary>The provider's name, used as the first URL segment.</summary>
    public string Name { get; }

    /// <summary>The protocol the provider speaks.</summary>
    public SimulatorApi Api { get; }

    /// <summary>When set, a bearer token different from this answers 401.</summary>
    public string? ApiKey { get; internal init; }

    /// <summary>The delay before a successful answer; none when null.</summary>
    public LatencySpec? Latency { get; internal init; }

    /// <summary>The delay before an error answer (fixed status, 422, quota, rate limit, status faults); none when null.</summary>
    public LatencySpec? ErrorLatency { get; internal init; }

    /// <summary>A status answered on every authorised call (e.g. 403 for a revoked key).</summary>
    public int? Status { get; internal init; }

    /// <summary>A raw JSON body replacing the default error body of <see cref="Status"/>.</summary>
    public string? Body { get; internal init; }

    /// <summary>When set, the error body of <see cref="Status"/> echoes the request's <c>Authorization</c> header in
    /// this encoding, as careless providers do (a canary for the gateway's redaction).</summary>
    public EchoEncoding? EchoAuthorization { get; internal init; }

    /// <summary>Prompts longer than this many characters (all message contents) answer 422.</summary>
    public int? MaxPromptChars { get; internal init; }

    /// <summary>A quota that runs out over the run.</summary>
    public QuotaSpec? Quota { get; internal init; }

    /// <summary>A fixed-window request limit.</summary>
    public RateLimitSpec? RateLimit { get; internal init; }

    /// <summary>Outages that come and go on a fixed cycle.</summary>
    public FlapSpec? Flap { get; internal init; }

    /// <summary>Random faults, rolled in order; the first that fires wins.</summary>
    public IReadOnlyList<FaultSpec> Faults { get; internal init; } = [];

    /// <summary>How a streaming request is answered (defaults: 5 deltas, no delays, no cut).</summary>
    public StreamSpec Stream { get; internal init; } = new();
}
