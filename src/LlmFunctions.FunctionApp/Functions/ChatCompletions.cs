using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Configuration;
using LlmFunctions.FunctionApp.Http;
using LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Providers;
using LlmFunctions.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using static LlmFunctions.FunctionApp.Functions.ChatCompletionResults;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// HTTP trigger <c>ChatCompletions</c>, POST <c>/v1/chat/completions</c>, OpenAI-compatible: runs the prompt through
/// the failover runner, waiting out backoffs in process for up to <c>LlmFunctions:Http:SyncWaitSeconds</c>. The first
/// attempt runs in this request, with no queue hop. A wait that would end later is answered 503 with
/// <c>Retry-After</c>, unless the caller sent <c>Prefer: respond-async</c> (RFC 7240): then it is handed to a
/// <c>PromptOrchestrator</c> instance, which continues from the same state, and the caller gets 202 with Durable's
/// management payload.
/// </summary>
/// <param name="runner">The failover runner.</param>
/// <param name="failover">The failover settings.</param>
/// <param name="http">The HTTP settings.</param>
/// <param name="time">The time source.</param>
/// <param name="caller">Opens provider streams (<c>"stream": true</c>, see ChatCompletions.Streaming.cs).</param>
/// <param name="classifier">Classifies a stream's failure after its first token.</param>
/// <param name="router">Maps the request's model to providers.</param>
public sealed partial class ChatCompletions(
    PromptRunner runner,
    IOptions<FailoverOptions> failover,
    IOptions<HttpOptions> http,
    TimeProvider time,
    ModelRouter router,
    ProviderCaller caller,
    ErrorClassifier classifier)
{
    /// <summary>The <c>Prefer</c> token by which a caller accepts a 202 and a durable instance for a long wait.</summary>
    public const string RespondAsync = "respond-async";

    /// <summary>How soon a request blocked only by another caller's probe looks again.</summary>
    public static readonly TimeSpan ProbeRecheck = TimeSpan.FromMilliseconds(250);

    /// <summary>The prompt of a validated request, with its absolute deadline from <paramref name="arrived"/>.</summary>
    internal static PromptRequest ToPromptRequest(ChatCompletionInput input, IReadOnlyList<string>? hints, FailoverOptions failover, DateTimeOffset arrived) => new()
    {
        Messages = input.Messages,
        Deadline = failover.DeadlineFrom(arrived, input.DeadlineSeconds is { } s ? TimeSpan.FromSeconds(s) : null),
        ProviderHints = hints,
        Parameters = input.Parameters,
        AllowTruncation = input.AllowTruncation,
    };

    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="client">The durable client, for a hand-off.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>The completion, 202 for a hand-off, or an OpenAI-shaped error.</returns>
    [Function(nameof(ChatCompletions))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/chat/completions")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = request.HttpContext.Response;
        var (body, bodyError) = await ChatCompletionReader.ReadBodyAsync(request, cancellationToken);
        if (bodyError is not null)
        {
            return Invalid(bodyError);
        }

        var (input, inputError) = ChatCompletionReader.Parse(body!);
        if (inputError is not null)
        {
            return Invalid(inputError);
        }

        var (hints, refused) = Route(router, input!);
        if (refused is not null)
        {
            return refused;
        }

        var arrived = time.GetUtcNow();
        var prompt = ToPromptRequest(input!, hints, failover.Value, arrived);
        if (input!.Stream)
        {
            return await StreamAsync(prompt, input.IncludeUsage, arrived, response, cancellationToken);
        }

        try
        {
            return await DriveAsync(
                prompt,
                arrived,
                call: null,
                async (state, wait) => PrefersAsync(request)
                    ? await HandOffAsync(client, request, prompt, state, cancellationToken)
                    : TooLong(state, wait),
                step => Map(step, response),
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Results.StatusCode(ClientClosedRequest);
        }
    }

    // The one in-request loop over the failover runner, for answers and streams alike: backoffs are waited out in
    // process up to SyncWaitSeconds from arrival; a longer wait is the caller's to answer.
    private async Task<IResult> DriveAsync(
        PromptRequest prompt,
        DateTimeOffset arrived,
        ProviderCall? call,
        Func<FailoverState, WaitThenRetry, Task<IResult>> waitTooLong,
        Func<PromptRunStep, IResult> finished,
        CancellationToken cancellationToken)
    {
        var syncUntil = arrived.AddSeconds(http.Value.SyncWaitSeconds);
        var state = await runner.StartAsync(prompt, cancellationToken);
        while (true)
        {
            var step = await runner.RunAsync(state, call, cancellationToken);
            if (step.Decision is WaitThenRetry wait)
            {
                if (wait.Until > syncUntil)
                {
                    return await waitTooLong(step.State, wait);
                }

                await DelayUntilAsync(wait.Until, cancellationToken);
                state = step.State;
                continue;
            }

            // Every provider blocked only by another host's probe (typically its first call to the provider): look
            // again shortly rather than answer 503. A cooldown is answered with 503 and Retry-After, as documented.
            var now = time.GetUtcNow();
            if (FailoverRound.RetryAt(step.State, step.Finish!, now, ProbeRecheck) is { } again && again <= now + ProbeRecheck && again <= syncUntil)
            {
                await DelayUntilAsync(again, cancellationToken);
                state = FailoverRound.Next(step.State);
                continue;
            }

            return finished(step);
        }
    }

    /// <summary>The providers to try first for the request's model, or the 404 (model nobody serves) or 400 (a field
    /// no usable provider can honour) to answer instead.</summary>
    internal static (IReadOnlyList<string>? Hints, IResult? Refused) Route(ModelRouter router, ChatCompletionInput input)
    {
        var route = router.Resolve(input.Model);
        if (route.NotFoundMessage is { } notFound)
        {
            return (null, Error(StatusCodes.Status404NotFound, OpenAiError.InvalidRequest, notFound, "model", "model_not_found"));
        }

        return router.NobodyCanHonour(input.Messages, input.Parameters) is { } field
            ? (null, Error(StatusCodes.Status400BadRequest, OpenAiError.InvalidRequest, $"{field.Reason} ({field.Field}), and no other provider is configured", field.Field, "unsupported_field"))
            : (route.Hints, null);
    }

    // RFC 7240: comma-separated preferences, each a token with optional ";"-separated parameters.
    private static bool PrefersAsync(HttpRequest request) =>
        request.Headers["Prefer"].Any(value => value is not null
            && value.Split(',').Any(preference => preference.Split(';')[0].Trim().Equals(RespondAsync, StringComparison.OrdinalIgnoreCase)));

    // The caller did not ask for a 202: tell it when to come back rather than hold the request past the sync limit.
    private IResult TooLong(FailoverState state, WaitThenRetry wait)
    {
        var retryAfter = RetryAfterSeconds(wait.Until, time.GetUtcNow());
        return OpenAiError.Result(
            StatusCodes.Status503ServiceUnavailable,
            OpenAiError.ServerError,
            Invariant($"the next attempt ({wait.Key}: {wait.Reason}) is due in {retryAfter} s, beyond the synchronous wait of {http.Value.SyncWaitSeconds} s; retry after {retryAfter} s, or send 'Prefer: respond-async' to get a 202 and a durable instance"),
            code: "retry_later",
            extension: new { reasons = state.History.OfType<SkipRecord>().Select(r => r.Reason).ToList(), attempts = PromptTelemetry.Attempts(state) },
            retryAfterSeconds: retryAfter);
    }

    // An instant already past (a cooldown that ended while the round was decided) means at once.
    private async Task DelayUntilAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        var delay = until - time.GetUtcNow();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    // The state already holds the wait: the instance resumes from it, and its first decision is that wait's timer.
    private async Task<IResult> HandOffAsync(DurableTaskClient client, HttpRequest request, PromptRequest prompt, FailoverState state, CancellationToken cancellationToken) =>
        await StorageUnavailable.GuardAsync(async () =>
        {
            var id = await client.ScheduleNewOrchestrationInstanceAsync(
                PromptOrchestrator.Name,
                new PromptInput(prompt, failover.Value, state),
                new Microsoft.DurableTask.StartOrchestrationOptions(InstanceIds.New()),
                cancellationToken);
            return CheckStatusResponse.Create(client, request, id);
        });

    private IResult Map(PromptRunStep step, HttpResponse response)
    {
        var finish = step.Finish!;
        switch (finish.Kind)
        {
            case FinishKind.Succeeded:
                return Completion(step.State, finish, step.Completion!, time.GetUtcNow());
            case FinishKind.Rejected:
                var status = finish.HttpStatus ?? finish.LastAttempt?.Outcome.HttpStatus;
                var message = status is { } code ? Invariant($"{finish.Summary} (provider status {code})") : finish.Summary;
                return Error(StatusCodes.Status400BadRequest, "invalid_request_error", message, code: "provider_rejected", state: step.State, reasons: finish.Reasons);
            case FinishKind.PayloadTooLarge:
                return Error(StatusCodes.Status413PayloadTooLarge, "invalid_request_error", finish.Summary, "messages", "payload_too_large", step.State, finish.Reasons);
            case FinishKind.AllCoolingDown:
                var retryAfter = RetryAfterSeconds(finish.RetryAt, time.GetUtcNow());
                response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Error(StatusCodes.Status503ServiceUnavailable, "server_error", Invariant($"{finish.Summary}; retry after {retryAfter} s"), code: "all_providers_cooling_down", state: step.State, reasons: finish.Reasons);
            case FinishKind.Cancelled:
                return Results.StatusCode(ClientClosedRequest);
            default:
                var kind = finish.Kind == FinishKind.DeadlineExceeded ? "deadline_exceeded" : "all_providers_failed";
                var reasons = finish.Reasons.Count > 0 ? ": " + string.Join("; ", finish.Reasons) : string.Empty;
                return Error(StatusCodes.Status502BadGateway, "server_error", finish.Summary + reasons, code: kind, state: step.State, reasons: finish.Reasons);
        }
    }
}
