using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Routes;
using LlmFunctions.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// HTTP trigger <c>StartPrompt</c>, POST <c>/api/prompts</c> (or <c>/api/prompts/{instanceId}</c>, or
/// <c>?instanceId=</c>): validates the prompt (the <c>/v1/chat/completions</c> body), starts a
/// <c>PromptOrchestrator</c> instance and answers 202 with <c>Location</c> and Durable's management payload. Starting
/// an existing id returns that instance; a rejected request starts nothing; storage out of reach is a 503 with
/// <c>Retry-After</c>.
/// </summary>
/// <param name="failover">The failover settings, copied into the instance's input.</param>
/// <param name="runner">The failover runner, whose health cache gives the instance its candidates.</param>
/// <param name="time">The time source for the request's deadline.</param>
/// <param name="router">Maps the request's model to providers.</param>
/// <param name="routes">The configured routes (docs/routes.md).</param>
public sealed class StartPrompt(IOptions<FailoverOptions> failover, PromptRunner runner, TimeProvider time, ModelRouter router, RouteCatalog routes)
{
    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="instanceId">The instance id from the route, if any.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>202, or the error.</returns>
    [Function(nameof(StartPrompt))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/prompts/{instanceId?}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string? instanceId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(client);
        instanceId ??= request.Query["instanceId"].FirstOrDefault();
        if (instanceId is not null && InstanceIds.Validate(instanceId, "instanceId") is { } invalidId)
        {
            return ChatCompletionResults.Error(StatusCodes.Status400BadRequest, "invalid_request_error", invalidId, "instanceId");
        }

        var (body, bodyError) = await ChatCompletionReader.ReadBodyAsync(request, cancellationToken);
        if (bodyError is not null)
        {
            return ChatCompletionResults.Invalid(bodyError);
        }

        var (input, inputError) = ChatCompletionReader.Parse(body!);
        if (inputError is not null)
        {
            return ChatCompletionResults.Invalid(inputError);
        }

        var (run, refused) = RequestRoutes.Resolve(router, routes, input!, request, failover.Value, time.GetUtcNow());
        if (refused is not null)
        {
            return refused;
        }

        return await StorageUnavailable.GuardAsync(async () =>
        {
            var id = instanceId ?? InstanceIds.New();
            if (instanceId is null || await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken) is null)
            {
                // Read here from the health cache, so that the instance needs no ReadProviderHealth activity to begin;
                // each attempt re-checks its provider's fresh health anyway.
                var candidates = await runner.ReadCandidatesAsync(cancellationToken);
                await client.ScheduleNewOrchestrationInstanceAsync(
                    PromptOrchestrator.Name,
                    new PromptInput(run!.Original, failover.Value, Candidates: [.. candidates], Route: run),
                    new StartOrchestrationOptions(id),
                    cancellationToken);
            }

            return CheckStatusResponse.Create(client, request, id);
        });
    }
}
