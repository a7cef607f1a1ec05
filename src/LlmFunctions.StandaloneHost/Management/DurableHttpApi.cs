using DurableTask.AzureStorage;
using LlmFunctions.StandaloneHost.Security;

namespace LlmFunctions.StandaloneHost.Management;

/// <summary>
/// Durable Functions' HTTP management API (the Functions host's <c>HttpApiHandler</c>) over DTFx's
/// <see cref="AzureStorageOrchestrationService"/>: the same routes under <c>/runtime/webhooks/durabletask/</c>, query
/// parameters, status codes and JSON field names. <c>taskHub</c> and <c>connection</c> are accepted and ignored: this
/// host serves one task hub. <c>code</c> is a key, checked before these handlers run (master key only).
/// </summary>
public static class DurableHttpApi
{
    /// <summary>The path every management route starts with.</summary>
    public const string BasePath = "/runtime/webhooks/durabletask";

    /// <summary>
    /// Maps the management API. Takes the <see cref="AzureStorageOrchestrationService"/> singleton from DI, and, when
    /// registered, <see cref="AzureStorageOrchestrationServiceSettings"/> (for the task hub name in returned links) and
    /// <see cref="TimeProvider"/>.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <returns>The same <paramref name="endpoints"/>.</returns>
    public static IEndpointRouteBuilder MapDurableHttpApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // No FunctionAuthorizationMetadata: the key check treats these routes as admin level (master key only), as the
        // Functions host serves them to its system and master keys only.
        var group = endpoints.MapGroup(BasePath + "/instances");

        group.MapGet("/", Handle(InstanceQueries.ListAsync));
        group.MapDelete("/", Handle(InstancePurges.PurgeManyAsync));
        group.MapGet("/{instanceId}", Handle(InstanceQueries.GetStatusAsync)).WithMetadata(InstanceStatusEndpoint.Instance);
        group.MapDelete("/{instanceId}", Handle(InstancePurges.PurgeOneAsync));
        group.MapPost("/{instanceId}/terminate", Handle(InstanceCommands.TerminateAsync));
        group.MapPost("/{instanceId}/suspend", Handle(InstanceCommands.SuspendAsync));
        group.MapPost("/{instanceId}/resume", Handle(InstanceCommands.ResumeAsync));
        group.MapPost("/{instanceId}/rewind", Handle(InstanceCommands.RewindAsync));
        group.MapPost("/{instanceId}/restart", Handle(InstanceCommands.RestartAsync));
        group.MapPost("/{instanceId}/raiseEvent/{eventName}", Handle(InstanceCommands.RaiseEventAsync));

        // The host answers any other method or operation under instances/ with 404, not routing's 405.
        group.MapFallback("/{**rest}", context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return endpoints;
    }

    private static RequestDelegate Handle(Func<ManagementRequest, Task<IResult>> handler) => async context =>
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DurableHttpApi).FullName!);
        var request = new ManagementRequest(
            context,
            services.GetRequiredService<AzureStorageOrchestrationService>(),
            services.GetService<AzureStorageOrchestrationServiceSettings>()?.TaskHubName,
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            logger);

        IResult result;
        try
        {
            result = await handler(request);
        }
        catch (BadParameterException e)
        {
            result = ManagementResults.Error(StatusCodes.Status400BadRequest, e.Message, e.ParameterName);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (StorageFailures.IsUnavailable(e))
        {
            Log.StorageUnavailable(logger, context.Request.Method, RouteOf(context), e.GetType().Name, StorageFailures.StatusOf(e));
            result = ManagementResults.StorageUnavailable();
        }
        catch (Exception e)
        {
            Log.UnexpectedFailure(logger, context.Request.Method, RouteOf(context), e.GetType().Name, e);
            result = ManagementResults.Error(StatusCodes.Status500InternalServerError, "Something went wrong while processing your request.");
        }

        await result.ExecuteAsync(context);
    };

    private static string RouteOf(HttpContext context) =>
        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? string.Empty;
}
