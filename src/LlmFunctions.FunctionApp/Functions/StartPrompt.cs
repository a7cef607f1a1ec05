using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Orchestration;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// HTTP trigger <c>StartPrompt</c>, POST <c>/api/prompts</c> (or <c>/api/prompts/{instanceId}</c>, or
/// <c>?instanceId=</c>): validates the prompt (the <c>/v1/chat/completions</c> body: messages, model hint,
/// max_tokens, temperature, allow_truncation, deadline_seconds), starts a <c>PromptOrchestrator</c> instance and answers
/// 202 with <c>Location</c> and Durable's management payload. Starting an existing id returns that instance; a rejected
/// request stores nothing.
/// </summary>
internal sealed class StartPrompt(OrchestrationClient client, TaskHubNames hub, IOptions<FailoverOptions> failover, TimeProvider time)
{
    public async Task<IResult> Run(string? routeInstanceId, HttpRequest request, CancellationToken cancellationToken)
    {
        var instanceId = routeInstanceId ?? request.Query["instanceId"].FirstOrDefault();
        if (instanceId is not null && InstanceIds.Validate(instanceId, "instanceId") is { } invalidId)
        {
            return InstanceManagementApi.Error(StatusCodes.Status400BadRequest, invalidId, "instanceId");
        }

        var (body, bodyError) = await ChatCompletionReader.ReadBodyAsync(request, cancellationToken);
        if (bodyError is not null)
        {
            return InstanceManagementApi.Error(bodyError.StatusCode, bodyError.Message, bodyError.Param);
        }

        var (input, inputError) = ChatCompletionReader.Parse(body!);
        if (inputError is not null)
        {
            return InstanceManagementApi.Error(inputError.StatusCode, inputError.Message, inputError.Param);
        }

        var prompt = ChatCompletions.ToPromptRequest(input!, failover.Value, time.GetUtcNow());
        var (record, _) = await client.StartAsync(instanceId ?? InstanceIds.New(), prompt, handedOff: null, cancellationToken);
        return InstanceManagementApi.Accepted(request, hub, record.InstanceId);
    }
}
