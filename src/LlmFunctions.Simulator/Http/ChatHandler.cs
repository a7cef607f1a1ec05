using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmFunctions.Simulator;

/// <summary>Plays one provider call: auth, fixed status, payload limit, quota, rate window, faults, latency, success.</summary>
internal sealed class ChatHandler(Fleet fleet, StatsCounters stats, ReceivedBodies received, TimeProvider time, CancellationToken stopping)
{
    private const string RateLimitBody = """{"error":{"message":"Rate limit exceeded (429): too many requests"}}""";
    private const string TruncatedBody = """{"id":"chatcmpl-sim","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist""";
    private long _completionId;

    public Task OpenAiAsync(HttpContext context) =>
        HandleAsync(context, SimulatorApi.OpenAi, RouteValue(context, "provider"), routeModel: null);

    public Task CloudflareAsync(HttpContext context) =>
        HandleAsync(context, SimulatorApi.Cloudflare, RouteValue(context, "provider"), RouteValue(context, "model"));

    private async Task HandleAsync(HttpContext context, SimulatorApi api, string name, string? routeModel)
    {
        var provider = fleet.Find(name);
        var statsName = provider?.Spec.Name ?? name;
        stats.CountCall(statsName);
        var arrived = time.GetTimestamp();
        try
        {
            await PlayCallAsync(context, api, name, provider, statsName, routeModel);
        }
        finally
        {
            stats.AddBusy(statsName, time.GetElapsedTime(arrived));
        }
    }

    private async Task PlayCallAsync(HttpContext context, SimulatorApi api, string name, ProviderRuntime? provider, string statsName, string? routeModel)
    {
        void Count(string outcome) => stats.CountOutcome(statsName, outcome);

        if (provider is null || provider.Spec.Api != api)
        {
            Count(SimulatorOutcomes.UnknownProvider);
            var message = provider is null
                ? $"Unknown provider '{name}'"
                : $"Provider '{provider.Spec.Name}' speaks the {ApiName(provider.Spec.Api)} api, not {ApiName(api)}";
            await Replies.ErrorAsync(context, api, StatusCodes.Status404NotFound, message, "not_found_error", "unknown_provider");
            return;
        }

        var spec = provider.Spec;
        if (!IsAuthorized(context, spec.ApiKey))
        {
            Count(SimulatorOutcomes.Unauthorized);
            await Replies.ErrorAsync(context, api, StatusCodes.Status401Unauthorized, "Invalid or missing API key");
            return;
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await PlayAsync(context, provider, routeModel, Count, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client gave up or the server is stopping; nobody is left to answer.
        }
    }

    private async Task PlayAsync(
        HttpContext context, ProviderRuntime provider, string? routeModel, Action<string> count, CancellationToken cancellationToken)
    {
        var spec = provider.Spec;
        var api = spec.Api;
        if (spec.Status is { } fixedStatus)
        {
            count(SimulatorOutcomes.ForStatus(fixedStatus));
            await ErrorDelayAsync(provider, cancellationToken);
            if (spec.Body is { } body)
            {
                await Replies.RawAsync(context, fixedStatus, body);
            }
            else if (spec.EchoAuthorization is { } echo)
            {
                await Replies.EchoAsync(context, fixedStatus, context.Request.Headers.Authorization.ToString(), echo);
            }
            else
            {
                await Replies.StatusAsync(context, api, fixedStatus, spec.Name, routeModel ?? "unknown");
            }

            return;
        }

        if (provider.Flap is { } flap && flap.IsDown(time.GetUtcNow()))
        {
            count(flap.Spec.Status >= 500 ? SimulatorOutcomes.ServerError : SimulatorOutcomes.ForStatus(flap.Spec.Status));
            await ErrorDelayAsync(provider, cancellationToken);
            await Replies.StatusAsync(context, api, flap.Spec.Status, spec.Name, routeModel ?? "unknown");
            return;
        }

        var payload = await ChatPayload.ReadAsync(context.Request.Body, cancellationToken);
        if (payload is null)
        {
            count(SimulatorOutcomes.BadRequest);
            await Replies.ErrorAsync(context, api, StatusCodes.Status400BadRequest, "Bad request: the body must be JSON with a messages array");
            return;
        }

        received.Add(spec.Name, payload.Body);

        if (spec.MaxPromptChars is { } max && payload.PromptChars > max)
        {
            count(SimulatorOutcomes.PayloadRejected);
            await ErrorDelayAsync(provider, cancellationToken);
            await Replies.ErrorAsync(
                context, api, StatusCodes.Status422UnprocessableEntity,
                $"Input too long: {payload.PromptChars} characters exceeds the maximum of {max}", "invalid_request_error", null);
            return;
        }

        var now = time.GetUtcNow();
        if (provider.Quota is { } quota && !quota.TryReserve(now, out var quotaRetryAfter))
        {
            count(SimulatorOutcomes.QuotaExhausted);
            await ErrorDelayAsync(provider, cancellationToken);
            if (quota.Spec.Status == StatusCodes.Status429TooManyRequests && quotaRetryAfter is { } wait)
            {
                context.Response.Headers.RetryAfter = DurationFormat.RetryAfterSeconds(wait);
            }

            await Replies.ErrorAsync(context, api, quota.Spec.Status, $"Quota exhausted: {quota.Spec.Requests} requests used");
            return;
        }

        var succeeded = false;
        try
        {
            succeeded = await AfterQuotaAsync(context, provider, payload, routeModel, count, now, cancellationToken);
        }
        finally
        {
            if (!succeeded)
            {
                provider.Quota?.Release();
            }
        }
    }

    private async Task<bool> AfterQuotaAsync(
        HttpContext context, ProviderRuntime provider, ChatPayload payload, string? routeModel, Action<string> count,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var api = provider.Spec.Api;
        var window = provider.Window;
        var resetIn = TimeSpan.Zero;
        var remaining = 0;
        if (window is not null && !window.TryAcquire(now, out resetIn, out remaining))
        {
            count(SimulatorOutcomes.RateLimited);
            await ErrorDelayAsync(provider, cancellationToken);
            WriteRateLimitHeaders(context, window.Spec, now, resetIn, 0);
            await Replies.ErrorAsync(
                context, api, StatusCodes.Status429TooManyRequests,
                $"Rate limit reached: {window.Spec.RequestsPerWindow} requests per {window.Spec.WindowSeconds.ToString(CultureInfo.InvariantCulture)}s");
            return false;
        }

        if (window is { Spec.ResetHeaders: true })
        {
            // Like Groq and OpenAI, every answer says what is left of the window, not only the 429.
            WriteWindowHeaders(context, window.Spec, resetIn, remaining);
        }

        switch (provider.RollFault())
        {
            case null:
                break;
            case { Kind: FaultKind.Status, Status: var status }:
                count(status >= 500 ? SimulatorOutcomes.ServerError : SimulatorOutcomes.ForStatus(status));
                await ErrorDelayAsync(provider, cancellationToken);
                await Replies.StatusAsync(context, api, status, provider.Spec.Name, payload.Model ?? routeModel ?? "unknown");
                return false;
            case { Kind: FaultKind.RateLimitBody500 }:
                count(SimulatorOutcomes.RateLimitBody500);
                await ErrorDelayAsync(provider, cancellationToken);
                await Replies.RawAsync(context, StatusCodes.Status500InternalServerError, RateLimitBody);
                return false;
            case { Kind: FaultKind.Hang, Ms: var ms }:
                count(SimulatorOutcomes.Hang);
                await Task.Delay(provider.Scale(ms), time, cancellationToken);
                await Replies.ErrorAsync(context, api, StatusCodes.Status504GatewayTimeout, "Upstream timed out");
                return false;
            case { Kind: FaultKind.Reset }:
                count(SimulatorOutcomes.Reset);
                context.Abort();
                return false;
            case { Kind: FaultKind.Malformed }:
                count(SimulatorOutcomes.Malformed);
                await Replies.RawAsync(context, StatusCodes.Status200OK, TruncatedBody);
                return false;
            case { Kind: FaultKind.Empty }:
                count(SimulatorOutcomes.Empty);
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentLength = 0;
                return false;
        }

        var latency = provider.SampleLatency();
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, time, cancellationToken);
        }

        var model = payload.Model ?? routeModel ?? "unknown";
        var content = payload.LastRole == "tool"
            ? $"[{provider.Spec.Name}/{model}] the tool said: {Truncate(payload.LastContent, 40)}"
            : $"[{provider.Spec.Name}/{model}] echo: {Truncate(payload.LastUserMessage, 40)}";
        if (payload.Stream)
        {
            var completionId = $"chatcmpl-sim-{Interlocked.Increment(ref _completionId)}";
            var outcome = await new StreamPlayer(context, provider, time, completionId, model, cancellationToken)
                .PlayAsync(content, payload.PromptChars, payload.IncludeUsage);
            count(outcome);
            return outcome == SimulatorOutcomes.Ok;
        }

        count(SimulatorOutcomes.Ok);
        await Replies.JsonAsync(context, StatusCodes.Status200OK, api == SimulatorApi.Cloudflare
            ? CloudflareSuccess(content)
            : OpenAiSuccess(model, content, payload));
        return true;
    }

    private async Task ErrorDelayAsync(ProviderRuntime provider, CancellationToken cancellationToken)
    {
        var delay = provider.SampleErrorLatency();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    private static void WriteRateLimitHeaders(HttpContext context, RateLimitSpec spec, DateTimeOffset now, TimeSpan resetIn, int remaining)
    {
        var headers = context.Response.Headers;
        switch (spec.RetryAfter)
        {
            case RetryAfterStyle.Seconds:
                headers.RetryAfter = DurationFormat.RetryAfterSeconds(resetIn);
                break;
            case RetryAfterStyle.Date:
                headers.RetryAfter = DurationFormat.RetryAfterDate(now, resetIn);
                break;
        }

        if (spec.ResetHeaders)
        {
            WriteWindowHeaders(context, spec, resetIn, remaining);
        }
    }

    private static void WriteWindowHeaders(HttpContext context, RateLimitSpec spec, TimeSpan resetIn, int remaining)
    {
        var headers = context.Response.Headers;
        headers["x-ratelimit-limit-requests"] = spec.RequestsPerWindow.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining-requests"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-reset-requests"] = DurationFormat.RateLimitReset(resetIn);
    }

    // Offered tools and not answering a tool's result: every choice calls the first tool. Otherwise n text choices.
    private JsonObject OpenAiSuccess(string model, string content, ChatPayload payload)
    {
        var id = Interlocked.Increment(ref _completionId);
        var callsTool = payload.ToolName is not null && payload.LastRole != "tool";
        var choices = new JsonArray();
        for (var i = 0; i < payload.Choices; i++)
        {
            var message = callsTool
                ? new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = null,
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["id"] = $"call_sim_{id}_{i}",
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = payload.ToolName, ["arguments"] = "{\"question\":\"" + JsonEncodedText.Encode(Truncate(payload.LastUserMessage, 40)) + "\"}" },
                    }),
                }
                : new JsonObject { ["role"] = "assistant", ["content"] = i == 0 ? content : $"{content} (choice {i})" };
            choices.Add(new JsonObject { ["index"] = i, ["message"] = message, ["finish_reason"] = callsTool ? "tool_calls" : "stop" });
        }

        var promptTokens = (payload.PromptChars + 3) / 4;
        var completionTokens = payload.Choices * ((content.Length + 3) / 4);
        return new JsonObject
        {
            ["id"] = $"chatcmpl-sim-{id}",
            ["object"] = "chat.completion",
            ["created"] = time.GetUtcNow().ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = choices,
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        };
    }

    private static JsonObject CloudflareSuccess(string content) => new()
    {
        ["result"] = new JsonObject { ["response"] = content },
        ["success"] = true,
        ["errors"] = new JsonArray(),
        ["messages"] = new JsonArray(),
    };

    private static bool IsAuthorized(HttpContext context, string? expectedKey)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var key = header[Prefix.Length..].Trim();
        return key.Length > 0 && (expectedKey is null || string.Equals(key, expectedKey, StringComparison.Ordinal));
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private static string RouteValue(HttpContext context, string key) =>
        context.Request.RouteValues[key] as string ?? string.Empty;

    private static string ApiName(SimulatorApi api) => api == SimulatorApi.Cloudflare ? "cloudflare" : "openai";
}
