using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmFunctions.Tests.Batch;

/// <summary>What the scripted gateway answers one request with: a status, a Retry-After header value or none, and for a
/// 200 the step that served it as the gateway says it (<c>llmfunctions.strategy</c>, <c>tier</c>, <c>cache.stale</c>,
/// and the <c>x-llmfunctions-strategy</c> header); a null strategy answers as a gateway older than routes does.</summary>
internal sealed record ScriptedAnswer(int Status, string? RetryAfter = null, string? Strategy = null, string? Tier = null, bool? Stale = null)
{
    /// <summary>Whether the strategy goes in the response header only, not in the body.</summary>
    public bool StrategyInHeaderOnly { get; init; }
}

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for the gateway's <c>/v1/chat/completions</c>, for answers the real
/// gateway gives only under conditions that are slow or racy to set up (a 503 on every try, a 400, a slow answer). The
/// script picks each answer from the prompt and how many times that prompt was sent; bodies have the gateway's shape.
/// </summary>
internal sealed class ScriptedGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _tries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Prompt, long Timestamp)> _arrivals = new();
    private readonly ConcurrentQueue<string?> _routes = new();
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ScriptedGateway(WebApplication app) => _app = app;

    /// <summary>The base address to give the runner, e.g. <c>http://127.0.0.1:53124/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Answers a prompt's n-th request (n from 1); replaceable between runs.</summary>
    public Func<string, int, ScriptedAnswer> Script { get; set; } = (_, _) => new ScriptedAnswer(200);

    /// <summary>When set, requests get no answer until the client gives up (or the server stops).</summary>
    public bool HoldAnswers { get; set; }

    /// <summary>Every request's prompt and arrival (<see cref="TimeProvider.System"/> timestamp), in order.</summary>
    public IReadOnlyList<(string Prompt, long Timestamp)> Arrivals => [.. _arrivals];

    public static async Task<ScriptedGateway> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var gateway = new ScriptedGateway(app);
        app.Run(gateway.AnswerAsync);
        await app.StartAsync();
        gateway.BaseAddress = new Uri(app.Urls.Single() + "/");
        return gateway;
    }

    /// <summary>Every request's <c>x-llmfunctions-route</c> header (null when it had none), in order.</summary>
    public IReadOnlyList<string?> RouteHeaders => [.. _routes];

    /// <summary>How many requests carried the prompt.</summary>
    public int Tries(string prompt) => _tries.GetValueOrDefault(prompt);

    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
        var prompt = body["messages"]!.AsArray()[^1]!["content"]!.GetValue<string>();
        var route = context.Request.Headers["x-llmfunctions-route"] is { Count: > 0 } header ? header.ToString() : null;
        _routes.Enqueue(route);
        _arrivals.Enqueue((prompt, TimeProvider.System.GetTimestamp()));
        var answer = Script(prompt, _tries.AddOrUpdate(prompt, 1, (_, n) => n + 1));
        if (HoldAnswers)
        {
            await _released.Task.WaitAsync(context.RequestAborted);
        }

        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        if (answer.Status == 200 && answer.Strategy is { } strategy)
        {
            context.Response.Headers["x-llmfunctions-strategy"] = strategy;
        }

        var json = answer.Status == 200
            ? new JsonObject
            {
                ["object"] = "chat.completion",
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "answer to " + prompt } }),
                ["llmfunctions"] = Served(answer, route, new JsonObject
                {
                    ["provider"] = "Scripted",
                    ["model"] = "scripted-model",
                    ["attempts"] = new JsonArray(new JsonObject { ["provider"] = "Scripted", ["model"] = "scripted-model" }),
                    ["fallback_used"] = false,
                    ["prompt_chars"] = prompt.Length,
                    ["truncated"] = false,
                }),
            }
            : new JsonObject { ["error"] = new JsonObject { ["message"] = $"scripted {answer.Status}", ["type"] = "server_error", ["code"] = Code(answer.Status) } };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json.ToJsonString(), context.RequestAborted);
    }

    /// <summary>The strategy fields of an answer, as a gateway with routes adds them; none for an older gateway.</summary>
    private static JsonObject Served(ScriptedAnswer answer, string? route, JsonObject meta)
    {
        if (answer.Strategy is null || answer.StrategyInHeaderOnly)
        {
            return meta;
        }

        meta["strategy"] = answer.Strategy;
        meta["route"] = route;
        meta["tier"] = answer.Tier;
        meta["cache"] = answer.Stale is { } stale ? new JsonObject { ["stale"] = stale } : null;
        if (answer.Strategy is "cache" or "degraded" or "preset")
        {
            meta["provider"] = null;
            meta["model"] = null;
        }

        return meta;
    }

    private static string Code(int status) => status switch
    {
        503 => "all_providers_cooling_down",
        502 => "all_providers_failed",
        400 => "provider_rejected",
        413 => "payload_too_large",
        _ => "scripted_" + status,
    };
}
