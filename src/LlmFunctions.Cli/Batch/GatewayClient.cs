using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmFunctions.Cli.Batch;

/// <summary>Sends one item through the gateway once and turns the answer, whatever it is, into a <see cref="GatewayAnswer"/>.
/// Throws only <see cref="OperationCanceledException"/> for the caller's token.</summary>
internal sealed class GatewayClient(HttpClient http, BatchRunnerOptions options, TimeProvider time)
{
    private const int MaxPollFailures = 5;

    /// <summary>The response header naming the step that served an answer, the same as <c>llmfunctions.strategy</c>.</summary>
    private const string StrategyHeaderName = "x-llmfunctions-strategy";

    public string InstanceId(BatchItem item) => string.Create(CultureInfo.InvariantCulture, $"{options.RunId}-{item.Index}");

    public async Task<GatewayAnswer> SendAsync(BatchItem item, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var record = new ResultRecord { Index = item.Index, Id = item.Id, Line = item.Line, PromptChars = item.PromptChars, StartedAt = startedAt };
        GatewayAnswer answer;
        try
        {
            answer = options.Mode == BatchMode.Durable
                ? await DurableAsync(item, record, cancellationToken).ConfigureAwait(false)
                : await SyncAsync(item, record, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            answer = new(record with { ErrorClass = "timeout", Error = "the request timed out (HttpClient.Timeout)" }, GatewayAnswerKind.Lost);
        }
        catch (HttpRequestException e)
        {
            answer = new(Transport(record, e), GatewayAnswerKind.Lost);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            answer = new(record with { ErrorClass = "bad_response", Error = "the gateway's answer could not be read: " + e.Message }, GatewayAnswerKind.Lost);
        }

        return answer with { Record = answer.Record with { DurationMs = (long)time.GetElapsedTime(started).TotalMilliseconds, FinishedAt = time.GetUtcNow() } };
    }

    /// <summary>Whether the request failed before any connection to the gateway existed, so it never got there.</summary>
    private static bool NeverDelivered(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;

    private static ResultRecord Transport(ResultRecord record, HttpRequestException e) =>
        record with { ErrorClass = "transport", Error = "transport: " + e.Message };

    /// <summary>POSTs the item: the response, or when the request never reached the gateway, the answer saying so.</summary>
    private async Task<(HttpResponseMessage? Response, GatewayAnswer? Undelivered)> PostAsync(Uri uri, BatchItem item, ResultRecord record, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(Body(item)) };

            // A long wait may become a durable instance, which this client follows; without this the gateway answers
            // 503 + Retry-After instead.
            request.Headers.TryAddWithoutValidation("Prefer", "respond-async");
            if (options.Route is { } route)
            {
                request.Headers.TryAddWithoutValidation(BatchRunnerOptions.RouteHeader, route);
            }

            return (await http.SendAsync(request, cancellationToken).ConfigureAwait(false), null);
        }
        catch (HttpRequestException e) when (NeverDelivered(e))
        {
            return (null, new GatewayAnswer(Transport(record, e), GatewayAnswerKind.NotDelivered));
        }
    }

    private JsonObject Body(BatchItem item)
    {
        var messages = new JsonArray();
        foreach (var m in item.Messages)
        {
            messages.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content });
        }

        var body = new JsonObject { ["messages"] = messages };
        if ((item.Model ?? options.Model) is { } model)
        {
            body["model"] = model;
        }

        if ((item.MaxTokens ?? options.MaxTokens) is { } maxTokens)
        {
            body["max_tokens"] = maxTokens;
        }

        if (options.Temperature is { } temperature)
        {
            body["temperature"] = temperature;
        }

        if (options.AllowTruncation is { } allow)
        {
            body["allow_truncation"] = allow;
        }

        if (options.DeadlineSeconds is { } deadline)
        {
            body["deadline_seconds"] = deadline;
        }

        return body;
    }

    private async Task<GatewayAnswer> SyncAsync(BatchItem item, ResultRecord record, CancellationToken cancellationToken)
    {
        var (sent, undelivered) = await PostAsync(new Uri(options.Gateway, "v1/chat/completions"), item, record, cancellationToken).ConfigureAwait(false);
        if (sent is null)
        {
            return undelivered!;
        }

        using var response = sent;
        var json = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            return new(await FollowAsync(json, response, record, cancellationToken).ConfigureAwait(false), GatewayAnswerKind.Followed);
        }

        if (response.IsSuccessStatusCode && json?["llmfunctions"] is JsonObject meta)
        {
            var answered = FromMetadata(record with { Status = ResultRecord.Succeeded, HttpStatus = (int)response.StatusCode }, meta);
            return new(
                answered with
                {
                    Content = json["choices"]?[0]?["message"]?["content"]?.GetValue<string>(),
                    Strategy = answered.Strategy ?? StrategyHeader(response) ?? ResultRecord.ProviderStrategy,
                },
                GatewayAnswerKind.Answered);
        }

        var failed = FromError(record, response.StatusCode, json);
        return new(json?["llmfunctions"]?["attempts"] is JsonArray attempts ? FromAttempts(failed, attempts) : failed, GatewayAnswerKind.Answered, response.Headers.RetryAfter);
    }

    private async Task<GatewayAnswer> DurableAsync(BatchItem item, ResultRecord record, CancellationToken cancellationToken)
    {
        var id = InstanceId(item);
        record = record with { InstanceId = id };
        var (sent, undelivered) = await PostAsync(new Uri(options.Gateway, "api/prompts/" + Uri.EscapeDataString(id)), item, record, cancellationToken).ConfigureAwait(false);
        if (sent is null)
        {
            return undelivered!;
        }

        using var response = sent;
        var json = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.Accepted
            ? new(await FollowAsync(json, response, record, cancellationToken).ConfigureAwait(false), GatewayAnswerKind.Followed)
            : new(FromError(record, response.StatusCode, json), GatewayAnswerKind.Answered, response.Headers.RetryAfter);
    }

    /// <summary>Polls a durable instance's status until it has finished.</summary>
    private async Task<ResultRecord> FollowAsync(JsonNode? accepted, HttpResponseMessage response, ResultRecord record, CancellationToken cancellationToken)
    {
        var statusUri = accepted?["statusQueryGetUri"]?.GetValue<string>() is { } text ? new Uri(text) : response.Headers.Location;
        if (statusUri is null)
        {
            return record with { HttpStatus = 202, ErrorClass = "bad_response", Error = "202 without statusQueryGetUri or Location" };
        }

        record = record with { InstanceId = record.InstanceId ?? accepted?["id"]?.GetValue<string>() };
        var failures = 0;
        while (true)
        {
            await Task.Delay(options.PollInterval, time, cancellationToken).ConfigureAwait(false);
            HttpResponseMessage status;
            try
            {
                status = await http.GetAsync(statusUri, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (++failures < MaxPollFailures)
            {
                continue;
            }

            using (status)
            {
                if (status.StatusCode == HttpStatusCode.Accepted)
                {
                    failures = 0;
                    continue;
                }

                var json = await ReadJsonAsync(status, cancellationToken).ConfigureAwait(false);
                if (status.StatusCode == HttpStatusCode.OK && json is JsonObject view)
                {
                    return FromInstance(record, view);
                }

                if ((int)status.StatusCode >= 500 && ++failures < MaxPollFailures)
                {
                    continue;
                }

                return FromError(record, status.StatusCode, json) with { ErrorClass = "poll_" + ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture) };
            }
        }
    }

    private static ResultRecord FromInstance(ResultRecord record, JsonObject view)
    {
        var runtime = view["runtimeStatus"]?.GetValue<string>();
        var output = view["output"] as JsonObject;

        // A durable output carries the answer's llmfunctions object as "metadata".
        if (output?["metadata"] is JsonObject meta)
        {
            record = FromMetadata(record, meta);
        }

        if (runtime == "Completed" && output?["status"]?.GetValue<string>() == "Succeeded")
        {
            return record with
            {
                Status = ResultRecord.Succeeded,
                HttpStatus = 200,
                Content = output["content"]?.GetValue<string>(),
                Strategy = record.Strategy ?? ResultRecord.ProviderStrategy,
            };
        }

        var error = output?["error"];
        return record with
        {
            Status = ResultRecord.Failed,
            Provider = null,
            Model = null,
            Strategy = null,
            Tier = null,
            CacheStale = null,
            HttpStatus = Int(error?["http_status"]),
            ErrorClass = error?["code"]?.GetValue<string>() ?? "durable_" + (runtime ?? "unknown").ToLowerInvariant(),
            Error = error?["message"]?.GetValue<string>() ?? $"the instance ended {runtime}" + (view["output"] is JsonValue v ? ": " + v.ToJsonString() : ""),
        };
    }

    private static ResultRecord FromMetadata(ResultRecord record, JsonObject meta)
    {
        var attempts = meta["attempts"] as JsonArray;
        return record with
        {
            Strategy = Text(meta["strategy"]),
            Route = Text(meta["route"]),
            Tier = Text(meta["tier"]),
            CacheStale = meta["cache"] is JsonObject cache && cache["stale"] is JsonValue stale && stale.TryGetValue<bool>(out var isStale) ? isStale : null,
            Provider = meta["provider"]?.GetValue<string>(),
            Model = meta["model"]?.GetValue<string>(),
            FallbackUsed = meta["fallback_used"]?.GetValue<bool>() ?? false,
            PromptChars = Int(meta["prompt_chars"]) ?? record.PromptChars,
            Truncated = meta["truncated"]?.GetValue<bool>() ?? false,
            Attempts = attempts?.Count ?? 0,
            FailedCallMs = attempts is null ? null : FailedCallMs(attempts.OfType<JsonObject>()),
        };
    }

    // Every attempt that did not succeed (a cancelled one aside) cost its duration on that provider.
    private static Dictionary<string, long>? FailedCallMs(IEnumerable<JsonObject> attempts)
    {
        var failed = attempts
            .Where(a => a["error_class"]?.GetValue<string>() is { } c && c is not ("Success" or "Cancelled"))
            .GroupBy(a => a["provider"]?.GetValue<string>() ?? "(unknown)", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(a => a["duration_ms"]?.GetValue<long>() ?? 0), StringComparer.Ordinal);
        return failed.Count == 0 ? null : failed;
    }

    private static ResultRecord FromAttempts(ResultRecord record, JsonArray attempts)
    {
        var list = attempts.OfType<JsonObject>().ToList();
        return record with
        {
            Attempts = list.Count,
            FallbackUsed = list.Select(a => (a["provider"]?.GetValue<string>(), a["model"]?.GetValue<string>())).Distinct().Count() > 1,
            PromptChars = list.LastOrDefault() is { } last && Int(last["prompt_chars"]) is { } chars ? chars : record.PromptChars,
            Truncated = list.Any(a => a["truncated"]?.GetValue<bool>() == true),
            FailedCallMs = FailedCallMs(list),
        };
    }

    private static ResultRecord FromError(ResultRecord record, HttpStatusCode status, JsonNode? json)
    {
        var code = (int)status;
        var error = json?["error"];
        var message = error?["message"] is JsonValue m && m.TryGetValue<string>(out var s) ? s : error is JsonValue e && e.TryGetValue<string>(out var t) ? t : null;
        return record with
        {
            Status = ResultRecord.Failed,
            HttpStatus = code,
            ErrorClass = (error?["code"] as JsonValue)?.GetValue<string>() ?? "http_" + code.ToString(CultureInfo.InvariantCulture),
            Error = message ?? $"HTTP {code} {status}",
        };
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return TryParse(text, out var node) ? node : null;
    }

    private static bool TryParse(string text, [NotNullWhen(true)] out JsonNode? node)
    {
        node = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            node = JsonNode.Parse(text);
            return node is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static string? StrategyHeader(HttpResponseMessage response) =>
        response.Headers.TryGetValues(StrategyHeaderName, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : null;
}
