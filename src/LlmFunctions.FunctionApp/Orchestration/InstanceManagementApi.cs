using System.Globalization;
using LlmFunctions.FunctionApp.Functions;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// Durable Functions' instance management HTTP API under <c>/runtime/webhooks/durabletask/instances</c>: status (with
/// history), list, terminate, suspend, resume, raise event, purge and restart. Errors are JSON naming the parameter.
/// </summary>
internal sealed class InstanceManagementApi(OrchestrationClient client, TaskHubNames hub)
{
    public const int MaxTop = 1000;

    public static void Map(WebApplication app)
    {
        var instances = ManagementPayload.InstancesPath;
        app.MapGet(instances, (HttpRequest r, InstanceManagementApi api, CancellationToken ct) => api.ListAsync(r, ct));
        app.MapGet(instances + "/{instanceId}", (string instanceId, HttpRequest r, InstanceManagementApi api, CancellationToken ct) => api.GetAsync(instanceId, r, ct));
        app.MapDelete(instances + "/{instanceId}", (string instanceId, InstanceManagementApi api, CancellationToken ct) => api.PurgeAsync(instanceId, ct));
        app.MapPost(instances + "/{instanceId}/terminate", (string instanceId, string? reason, InstanceManagementApi api, CancellationToken ct) => api.ChangeAsync(instanceId, c => c.TerminateAsync(instanceId, reason, ct)));
        app.MapPost(instances + "/{instanceId}/suspend", (string instanceId, string? reason, InstanceManagementApi api, CancellationToken ct) => api.ChangeAsync(instanceId, c => c.SuspendAsync(instanceId, reason, ct)));
        app.MapPost(instances + "/{instanceId}/resume", (string instanceId, string? reason, InstanceManagementApi api, CancellationToken ct) => api.ChangeAsync(instanceId, c => c.ResumeAsync(instanceId, reason, ct)));
        app.MapPost(instances + "/{instanceId}/raiseEvent/{eventName}", async (string instanceId, string eventName, HttpRequest r, InstanceManagementApi api, CancellationToken ct) =>
        {
            var (body, error) = await ChatCompletionReader.ReadBodyAsync(r, ct);
            return error is not null ? Error(error.StatusCode, error.Message, "body") : await api.ChangeAsync(instanceId, c => c.RaiseEventAsync(instanceId, eventName, body is { Length: > 0 } ? System.Text.Encoding.UTF8.GetString(body) : null, ct));
        });
        app.MapPost(instances + "/{instanceId}/restart", (string instanceId, HttpRequest r, InstanceManagementApi api, CancellationToken ct) => api.RestartAsync(instanceId, r, ct));
    }

    public async Task<IResult> GetAsync(string instanceId, HttpRequest request, CancellationToken cancellationToken)
    {
        if (InstanceIds.Validate(instanceId, "instanceId") is { } invalid)
        {
            return Error(StatusCodes.Status400BadRequest, invalid, "instanceId");
        }

        if (!TryBool(request, "showHistory", out var showHistory, out var bad) || !TryBool(request, "showInput", out var showInput, out bad, defaultValue: true))
        {
            return bad!;
        }

        var record = await client.GetAsync(instanceId, cancellationToken);
        if (record is null)
        {
            return Error(StatusCodes.Status404NotFound, $"no instance with id '{instanceId}'", "instanceId");
        }

        var history = showHistory ? await client.GetHistoryAsync(record, cancellationToken) : null;
        var view = InstanceStatusView.For(record, history, showInput);
        if (record.Status.IsTerminal())
        {
            return Results.Json(view);
        }

        request.HttpContext.Response.Headers.Location = ManagementPayload.StatusUri(request, hub, instanceId);
        request.HttpContext.Response.Headers.RetryAfter = "1";
        return Results.Json(view, statusCode: StatusCodes.Status202Accepted);
    }

    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var statuses = new List<RuntimeStatus>();
        foreach (var part in query["runtimeStatus"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Enum.TryParse<RuntimeStatus>(part, ignoreCase: true, out var status) || !Enum.IsDefined(status) || int.TryParse(part, out _))
            {
                return Error(StatusCodes.Status400BadRequest, $"runtimeStatus must be a comma-separated list of {string.Join(", ", Enum.GetNames<RuntimeStatus>())}, was '{part}'", "runtimeStatus");
            }

            statuses.Add(status);
        }

        if (!TryDate(request, "createdTimeFrom", out var from, out var bad) || !TryDate(request, "createdTimeTo", out var to, out bad))
        {
            return bad!;
        }

        if (!TryBool(request, "showInput", out var showInput, out var badShowInput, defaultValue: true))
        {
            return badShowInput!;
        }

        var top = 100;
        if (query.TryGetValue("top", out var topText) && (!int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) || top is < 1 or > MaxTop))
        {
            return Error(StatusCodes.Status400BadRequest, string.Create(CultureInfo.InvariantCulture, $"top must be a whole number from 1 to {MaxTop}, was '{topText}'"), "top");
        }

        var continuation = request.Headers["x-ms-continuation-token"].FirstOrDefault() ?? query["continuationToken"].FirstOrDefault();
        var (page, next) = await client.ListAsync(new InstanceQuery(statuses, from, to, top, string.IsNullOrEmpty(continuation) ? null : continuation), cancellationToken);
        if (next is not null)
        {
            request.HttpContext.Response.Headers["x-ms-continuation-token"] = next;
        }

        return Results.Json(page.Select(r => InstanceStatusView.For(r, null, showInput)).ToList());
    }

    public async Task<IResult> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (InstanceIds.Validate(instanceId, "instanceId") is { } invalid)
        {
            return Error(StatusCodes.Status400BadRequest, invalid, "instanceId");
        }

        var (result, deleted) = await client.PurgeAsync(instanceId, cancellationToken);
        return result switch
        {
            ManagementResult.NotFound => Error(StatusCodes.Status404NotFound, $"no instance with id '{instanceId}'", "instanceId"),
            ManagementResult.Conflict => Error(StatusCodes.Status409Conflict, $"instance '{instanceId}' has not finished; terminate it before purging", "instanceId"),
            _ => Results.Json(new { instancesDeleted = deleted }),
        };
    }

    public async Task<IResult> ChangeAsync(string instanceId, Func<OrchestrationClient, Task<ManagementResult>> operation)
    {
        if (InstanceIds.Validate(instanceId, "instanceId") is { } invalid)
        {
            return Error(StatusCodes.Status400BadRequest, invalid, "instanceId");
        }

        return await operation(client) switch
        {
            ManagementResult.NotFound => Error(StatusCodes.Status404NotFound, $"no instance with id '{instanceId}'", "instanceId"),
            ManagementResult.Gone => Error(StatusCodes.Status410Gone, $"instance '{instanceId}' has already finished", "instanceId"),
            _ => Results.StatusCode(StatusCodes.Status202Accepted),
        };
    }

    public async Task<IResult> RestartAsync(string instanceId, HttpRequest request, CancellationToken cancellationToken)
    {
        if (InstanceIds.Validate(instanceId, "instanceId") is { } invalid)
        {
            return Error(StatusCodes.Status400BadRequest, invalid, "instanceId");
        }

        if (!TryBool(request, "restartWithNewInstanceId", out var newId, out var bad, defaultValue: true))
        {
            return bad!;
        }

        var (result, record) = await client.RestartAsync(instanceId, newId, cancellationToken);
        return result switch
        {
            ManagementResult.NotFound => Error(StatusCodes.Status404NotFound, $"no instance with id '{instanceId}'", "instanceId"),
            ManagementResult.Conflict => Error(StatusCodes.Status409Conflict, $"instance '{instanceId}' has not finished; restart it with restartWithNewInstanceId=true or terminate it first", "restartWithNewInstanceId"),
            _ => Accepted(request, hub, record!.InstanceId),
        };
    }

    /// <summary>202 with <c>Location</c> and the management payload of an instance.</summary>
    public static IResult Accepted(HttpRequest request, TaskHubNames hub, string instanceId)
    {
        request.HttpContext.Response.Headers.Location = ManagementPayload.StatusUri(request, hub, instanceId);
        request.HttpContext.Response.Headers.RetryAfter = "1";
        return Results.Json(ManagementPayload.For(request, hub, instanceId), statusCode: StatusCodes.Status202Accepted);
    }

    public static IResult Error(int status, string message, string? param) =>
        Results.Json(new { error = new { message, param } }, statusCode: status);

    private static bool TryBool(HttpRequest request, string name, out bool value, out IResult? error, bool defaultValue = false)
    {
        value = defaultValue;
        error = null;
        if (!request.Query.TryGetValue(name, out var text))
        {
            return true;
        }

        if (bool.TryParse(text, out value))
        {
            return true;
        }

        error = Error(StatusCodes.Status400BadRequest, $"{name} must be true or false, was '{text}'", name);
        return false;
    }

    private static bool TryDate(HttpRequest request, string name, out DateTimeOffset? value, out IResult? error)
    {
        value = null;
        error = null;
        if (!request.Query.TryGetValue(name, out var text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = Error(StatusCodes.Status400BadRequest, $"{name} must be an ISO 8601 date and time, was '{text}'", name);
        return false;
    }
}
