using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmFunctions.Cli.Batch;

/// <summary>One line of <c>results.jsonl</c>: the outcome of one item.</summary>
public sealed record ResultRecord
{
    /// <summary>The status of an answered item.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The status of an item the gateway could not answer, or could not be reached for.</summary>
    public const string Failed = "failed";

    /// <summary>The strategy of an answer from a gateway that names none (one older than routes): a provider answered.</summary>
    public const string ProviderStrategy = "provider";

    /// <summary>The snake_case JSON the file is written in.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>The item's index in the input: the key.</summary>
    public int Index { get; init; }

    /// <summary>The caller's id of the item, if it had one.</summary>
    public string? Id { get; init; }

    /// <summary>The input line the item starts on.</summary>
    public int Line { get; init; }

    /// <summary><see cref="Succeeded"/> or <see cref="Failed"/>.</summary>
    public string Status { get; init; } = Failed;

    /// <summary>The gateway's final HTTP status (a durable instance's <c>error.http_status</c>); null when none came.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The provider that answered.</summary>
    public string? Provider { get; init; }

    /// <summary>The model that answered.</summary>
    public string? Model { get; init; }

    /// <summary>Which step of the gateway served the answer (<c>llmfunctions.strategy</c>): <c>provider</c>, <c>tier</c>,
    /// <c>simplified</c>, <c>cache</c>, <c>degraded</c> or <c>preset</c>; <c>provider</c> when the gateway named none.
    /// Null when the item failed, and in lines written before strategies were recorded.</summary>
    public string? Strategy { get; init; }

    /// <summary>The route the gateway answered on (<c>llmfunctions.route</c>); omitted when it named none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Route { get; init; }

    /// <summary>The model tier that answered (<c>llmfunctions.tier</c>); omitted when it named none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tier { get; init; }

    /// <summary>For an answer from the response cache, whether it was served stale because every provider step failed
    /// (<c>llmfunctions.cache.stale</c>); omitted for answers not from the cache.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? CacheStale { get; init; }

    /// <summary>Wall time from sending the item first to having its final answer, in this run: retry waits and
    /// earlier tries included.</summary>
    public long DurationMs { get; init; }

    /// <summary>How many provider calls the gateway made for the final answer.</summary>
    public int Attempts { get; init; }

    /// <summary>Milliseconds the gateway's calls that failed took for the final answer, per provider (none when no call
    /// failed): the time the item paid for providers that could not answer.</summary>
    public IReadOnlyDictionary<string, long>? FailedCallMs { get; init; }

    /// <summary>How many requests were sent to the gateway for the item: 1 when its first answer was final, more when
    /// back-pressure (429, 503, 408, no connection) had it sent again. 1 for records written before retries existed.</summary>
    public int Tries { get; init; } = 1;

    /// <summary>Whether a provider other than the first tried answered (or was tried).</summary>
    public bool FallbackUsed { get; init; }

    /// <summary>The prompt's size as sent (after any truncation).</summary>
    public int PromptChars { get; init; }

    /// <summary>Whether the gateway truncated the prompt to fit.</summary>
    public bool Truncated { get; init; }

    /// <summary>Why the item failed, null when it succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>The failure's class: the gateway's error code (<c>all_providers_failed</c>, …), or <c>transport</c>,
    /// <c>timeout</c>, <c>http_NNN</c>, <c>durable_failed</c>.</summary>
    public string? ErrorClass { get; init; }

    /// <summary>The durable instance id (durable mode, or a sync request handed to an instance).</summary>
    public string? InstanceId { get; init; }

    /// <summary>The answer.</summary>
    public string? Content { get; init; }

    /// <summary>When the item was first sent.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When its final answer came.</summary>
    public DateTimeOffset FinishedAt { get; init; }

    /// <summary>Whether it succeeded.</summary>
    [JsonIgnore]
    public bool IsSuccess => Status == Succeeded;

    /// <summary>The strategy that served a succeeded item (<c>provider</c> for lines written before strategies were
    /// recorded); null for a failed one.</summary>
    [JsonIgnore]
    public string? AnsweredBy => IsSuccess ? Strategy ?? ProviderStrategy : null;

    /// <summary>Whether the failure says the gateway or its providers are overloaded or unreachable (what the
    /// concurrency controller backs off on), as opposed to the item itself being rejected (400, 413).</summary>
    [JsonIgnore]
    public bool IsBackpressure => !IsSuccess && HttpStatus is null or 408 or 429 or >= 500;

    /// <summary>One line of JSON, without the line break.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}
