namespace LlmFunctions.Simulator;

/// <summary>The outcome names counted in <see cref="ProviderStats.Outcomes"/>; fixed statuses count as <c>status_{code}</c>.</summary>
public static class SimulatorOutcomes
{
    /// <summary>A successful completion.</summary>
    public const string Ok = "ok";

    /// <summary>A fixed-window rate limit answered 429.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>A random 5xx status fault.</summary>
    public const string ServerError = "server_error";

    /// <summary>A 500 whose body says "Rate limit exceeded (429)".</summary>
    public const string RateLimitBody500 = "rate_limit_body_500";

    /// <summary>A request held open by a hang fault.</summary>
    public const string Hang = "hang";

    /// <summary>A connection aborted without an answer.</summary>
    public const string Reset = "reset";

    /// <summary>A 200 with a truncated JSON body.</summary>
    public const string Malformed = "malformed";

    /// <summary>A 200 with an empty body.</summary>
    public const string Empty = "empty";

    /// <summary>A stream aborted by its <c>cutAfterChunks</c> setting.</summary>
    public const string StreamCut = "stream_cut";

    /// <summary>A stream with an invalid JSON delta (<c>malformedChunkAt</c>), sent to the end.</summary>
    public const string MalformedChunk = "malformed_chunk";

    /// <summary>A stream the client abandoned before its end (the simulator saw the request aborted).</summary>
    public const string StreamCancelled = "stream_cancelled";

    /// <summary>A prompt over <c>maxPromptChars</c> answered 422.</summary>
    public const string PayloadRejected = "payload_rejected";

    /// <summary>A call after the quota ran out.</summary>
    public const string QuotaExhausted = "quota_exhausted";

    /// <summary>A missing or wrong bearer token answered 401.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>An unknown provider or a provider called on the wrong api route, answered 404.</summary>
    public const string UnknownProvider = "unknown_provider";

    /// <summary>A request body that is not the expected JSON, answered 400.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>The outcome name of a fixed (or non-5xx fault) status, e.g. <c>status_403</c>.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <returns>The outcome name.</returns>
    public static string ForStatus(int status) => $"status_{status}";
}
