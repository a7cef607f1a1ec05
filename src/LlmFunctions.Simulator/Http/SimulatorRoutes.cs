namespace LlmFunctions.Simulator;

/// <summary>The simulator's HTTP surface.</summary>
internal static class SimulatorRoutes
{
    public static void Map(WebApplication app, ChatHandler chat, Fleet fleet, StatsCounters stats, ReceivedBodies received)
    {
        app.MapPost("/{provider}/v1/chat/completions", chat.OpenAiAsync);
        app.MapPost("/{provider}/client/v4/accounts/{accountId}/ai/run/{**model}", chat.CloudflareAsync);
        app.MapGet("/_sim/stats", context => Replies.JsonAsync(context, StatusCodes.Status200OK, StatsCounters.ToJson(stats.Snapshot())));
        app.MapGet("/_sim/requests/{provider}", context => Replies.JsonAsync(context, StatusCodes.Status200OK, received.ToJson(context.Request.RouteValues["provider"] as string ?? string.Empty)));
        app.MapPost("/_sim/reset", context =>
        {
            stats.Reset();
            received.Clear();
            fleet.Reset();
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
        app.MapFallback(context => Replies.ErrorAsync(
            context,
            SimulatorApi.OpenAi,
            StatusCodes.Status404NotFound,
            $"No simulator route for {context.Request.Method} {context.Request.Path}",
            "not_found_error",
            "no_route"));
    }
}
