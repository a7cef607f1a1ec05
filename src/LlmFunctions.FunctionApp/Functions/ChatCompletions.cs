using LlmFunctions.Caching;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.FunctionApp.Configuration;
using LlmFunctions.FunctionApp.Http;
using LlmFunctions.FunctionApp.Orchestration;
using LlmFunctions.Providers;
using LlmFunctions.Routes;
using LlmFunctions.Routing;
using LlmFunctions.Telemetry;
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
/// <param name="routes">The configured routes (docs/routes.md).</param>
/// <param name="metrics">Counts answers by strategy.</param>
/// <param name="answers">The response cache (docs/cache.md).</param>
public sealed partial class ChatCompletions(
    PromptRunner runner,
    IOptions<FailoverOptions> failover,
    IOptions<HttpOptions> http,
    TimeProvider time,
    ModelRouter router,
    RouteCatalog routes,
    ProviderCaller caller,
    ErrorClassifier classifier,
    GatewayMetrics metrics,
    ResponseCache answers)
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

        var arrived = time.GetUtcNow();
        var (run, refused) = RequestRoutes.Resolve(router, routes, input!, request, failover.Value, arrived);
        if (refused is not null)
        {
            return refused;
        }

        if (input!.Stream)
        {
            return await StreamAsync(run!, input.IncludeUsage, arrived, response, cancellationToken);
        }

        try
        {
            return await RunChainAsync(
                run!,
                arrived,
                call: null,
                async (state, wait, at) => PrefersAsync(request)
                    ? await HandOffAsync(client, request, at, state, cancellationToken)
                    : TooLong(at.Telemetry(state), wait),
                (step, at) => Map(step, at, response),
                answer => Served(answer, response),
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Results.StatusCode(ClientClosedRequest);
        }
    }

    // The one in-request loop over a route's chain, for answers and streams alike: each provider stage runs the
    // failover runner over its candidates (DriveStageAsync); a stage that cannot answer hands over to the next; a cache,
    // degraded or preset stage answers without a provider. A wait longer than the synchronous limit ends a stage that has
    // a next one, and is the caller's to answer otherwise.
    private async Task<IResult> RunChainAsync(
        RouteRun run,
        DateTimeOffset arrived,
        ProviderCall? call,
        Func<FailoverState, WaitThenRetry, RouteRun, Task<IResult>> waitTooLong,
        Func<PromptRunStep, RouteRun, IResult> finished,
        Func<ServedAnswer, IResult> served,
        CancellationToken cancellationToken)
    {
        if (run.MayServeFresh() && await LookUpAsync(run, freshOnly: true, cancellationToken) is { } fresh)
        {
            return served(fresh);
        }

        (PromptRunStep Step, RouteRun At, WaitThenRetry? TooLong)? failed = null;
        for (RouteRun? at = run; at is not null;)
        {
            var stage = at.Current;
            if (!stage.CallsProviders)
            {
                if (stage.Strategy != RouteStrategy.Cache)
                {
                    return served(ServedAnswer.Configured(at, time.GetUtcNow()));
                }

                if (await LookUpAsync(at, freshOnly: false, cancellationToken) is { } cached)
                {
                    return served(cached);
                }

                at = at.Next(null, time.GetUtcNow());
                continue;
            }

            var (step, tooLong) = await DriveStageAsync(at, arrived, call, cancellationToken);
            if (tooLong is not null)
            {
                if (!at.HasNext)
                {
                    return await waitTooLong(step.State, tooLong, at);
                }
            }
            else if (!RouteRun.ContinuesAfter(step.Finish!.Kind) || !at.HasNext)
            {
                return finished(step, at);
            }

            failed = (step, at, tooLong);
            at = at.Next(step.State, time.GetUtcNow());
        }

        // The chain ended on a step that found nothing (a cache miss): the last provider stage's outcome is the answer;
        // a stage left for a retry beyond the synchronous wait is answered as that wait (a 503, or a durable instance
        // that resumes the chain at that stage).
        return failed switch
        {
            { TooLong: { } wait } last => await waitTooLong(last.Step.State, wait, last.At),
            { } last => finished(last.Step, last.At),
            null => Error(StatusCodes.Status503ServiceUnavailable, OpenAiError.ServerError, Invariant($"no step of route '{run.Plan.Name}' could answer (the cache held no answer)"), code: "route_exhausted"),
        };
    }

    // One provider stage: backoffs are waited out in process up to SyncWaitSeconds from arrival; a longer wait is handed
    // back with the state that holds it.
    private async Task<(PromptRunStep Step, WaitThenRetry? TooLong)> DriveStageAsync(RouteRun at, DateTimeOffset arrived, ProviderCall? call, CancellationToken cancellationToken)
    {
        var syncUntil = arrived.AddSeconds(http.Value.SyncWaitSeconds);
        var all = await runner.ReadCandidatesAsync(cancellationToken);
        var state = FailoverState.Start(at.StageRequest(), at.Candidates(all));
        while (true)
        {
            var step = await runner.RunAsync(state, call, cancellationToken);
            if (step.Decision is WaitThenRetry wait)
            {
                if (wait.Until > syncUntil)
                {
                    return (step, wait);
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

            return (step, null);
        }
    }

    // The route's cached answer to this request: only a fresh one instead of calling providers, any one kept
    // (stale-if-error) at a cache stage. The cache never throws for storage out of reach: that is a miss.
    private async Task<ServedAnswer?> LookUpAsync(RouteRun at, bool freshOnly, CancellationToken cancellationToken)
    {
        if (at.CacheKey is not { } key || await answers.TryGetAsync(key, cancellationToken) is not { } hit)
        {
            return null;
        }

        var served = ServedAnswer.Cached(at, hit, time.GetUtcNow());
        return freshOnly && served.Source.Cached!.Stale ? null : served;
    }

    // Every answer says which step served it: a response header, and the answers metric.
    private void Announce(AnswerSource source, HttpResponse response)
    {
        response.Headers[RouteCatalog.StrategyHeader] = source.StrategyName;
        metrics.RecordAnswer(source);
    }

    private IResult Served(ServedAnswer answer, HttpResponse response)
    {
        Announce(answer.Source, response);
        return Answer(answer.Body, answer.Model, PromptTelemetry.Metadata(answer.Telemetry, null, null, answer.Source), time.GetUtcNow());
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
    private async Task<IResult> HandOffAsync(DurableTaskClient client, HttpRequest request, RouteRun at, FailoverState state, CancellationToken cancellationToken) =>
        await StorageUnavailable.GuardAsync(async () =>
        {
            var id = await client.ScheduleNewOrchestrationInstanceAsync(
                PromptOrchestrator.Name,
                new PromptInput(state.Request, failover.Value, state, Route: at),
                new Microsoft.DurableTask.StartOrchestrationOptions(InstanceIds.New()),
                cancellationToken);
            return CheckStatusResponse.Create(client, request, id);
        });

    private IResult Map(PromptRunStep step, RouteRun at, HttpResponse response)
    {
        var finish = step.Finish!;
        step = step with { State = at.Telemetry(step.State) };
        switch (finish.Kind)
        {
            case FinishKind.Succeeded:
                var source = AnswerSource.Of(at);
                Announce(source, response);
                return Completion(step.State, finish, step.Completion!, time.GetUtcNow(), source);
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
