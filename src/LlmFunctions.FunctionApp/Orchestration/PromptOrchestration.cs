using System.Text.Json;
using LlmFunctions.Caching;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Providers;
using LlmFunctions.Routes;
using Microsoft.DurableTask;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// One prompt as a durable orchestration: the loop that drives the pure <see cref="FailoverPolicy"/> with only the
/// orchestration context (replay-safe time, durable timers, activities), so it replays deterministically and can be
/// tested without storage.
/// <list type="bullet">
/// <item>Health is read by the <c>ReadProviderHealth</c> activity after every wait, and at the start unless the input
/// carries it (<see cref="PromptInput.Candidates"/>: an activity and an orchestrator episode fewer per prompt).</item>
/// <item>Each provider call is the <c>AttemptProvider</c> activity. A transient failure is retried by Durable's own
/// retry: a retry handler built from the failover settings asks the policy, waits out its backoff on a durable timer,
/// and lets the engine schedule the activity again.</item>
/// <item>A 429 with a short Retry-After is waited out on a durable timer; a round blocked only by cooldowns, open
/// circuits or another host's probe that end before the deadline waits for the earliest and starts again
/// (<see cref="FailoverRound"/>).</item>
/// </list>
/// </summary>
internal sealed partial class PromptOrchestration
{
    /// <summary>How soon a round blocked by another host's probe looks again.</summary>
    public static readonly TimeSpan ProbeRecheck = TimeSpan.FromSeconds(2);

    // A request has at most a few hundred decisions (providers x attempts); more means a bug, not a busy day.
    private const int MaxDecisions = 10_000;

    // An activity that broke (not a provider's answer: e.g. storage unreachable while reading health) is tried this
    // many times in all before the attempt counts as an unexpected failure of that provider.
    private const int MaxActivityTries = 3;

    /// <summary>The name of the activity that makes one attempt.</summary>
    public const string AttemptProviderName = "AttemptProvider";

    /// <summary>The name of the activity that reads a cached answer.</summary>
    public const string ReadCachedAnswerName = "ReadCachedAnswer";

    /// <summary>The name of the activity that reads the candidates and their health.</summary>
    public const string ReadProviderHealthName = "ReadProviderHealth";

    private readonly TaskOrchestrationContext _context;
    private readonly PromptInput _input;
    private readonly FailoverPolicy _policy;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="PromptOrchestration"/> class.</summary>
    /// <param name="context">The orchestration context: the only thing this class talks to.</param>
    /// <param name="input">The instance's input.</param>
    public PromptOrchestration(TaskOrchestrationContext context, PromptInput input)
    {
        _context = context;
        _input = input;
        _policy = new FailoverPolicy(input.Failover, NextRandom);
        _logger = context.CreateReplaySafeLogger<PromptOrchestration>();
    }

    private DateTimeOffset Now => new(_context.CurrentUtcDateTime, TimeSpan.Zero);

    /// <summary>Runs the prompt to its finish, through its route's chain: each provider stage is a failover run over
    /// its candidates; a stage that cannot answer hands over to the next; a cache stage reads the response cache (an
    /// activity); a degraded or preset stage answers with its configured content.</summary>
    /// <returns>The output document (see <see cref="PromptTelemetry.Output"/>).</returns>
    public async Task<JsonElement> RunAsync()
    {
        var run = _input.Route ?? RouteRun.Start(RoutePlan.Default, _input.Request, [], null, Now)!;
        var resume = _input.Resume;
        var candidates = _input.Candidates;
        if (resume is null && run.MayServeFresh() && await ReadCachedAsync(run, freshOnly: true) is { } fresh)
        {
            return Served(fresh.Body, run.Telemetry(), fresh.Source);
        }

        (FailoverState State, Finish Finish, RouteRun At)? failed = null;
        for (RouteRun? at = run; at is not null;)
        {
            var stage = at.Current;
            if (!stage.CallsProviders)
            {
                if (stage.Strategy != RouteStrategy.Cache)
                {
                    return Served(AnswerSource.ConfiguredBody(at, Now, "chatcmpl-" + _context.NewGuid().ToString("N")), at.Telemetry(), AnswerSource.Of(at));
                }

                if (await ReadCachedAsync(at, freshOnly: false) is { } cached)
                {
                    return Served(cached.Body, at.Telemetry(), cached.Source);
                }

                at = at.Next(null, Now);
                continue;
            }

            var all = candidates ?? await ReadHealthAsync();
            candidates = null;
            var start = resume is { } resumed ? WithHealth(resumed, all) : FailoverState.Start(at.StageRequest(), at.Candidates(all));
            resume = null;
            var (state, finish, completion) = await RunStageAsync(start, at.HasNext);
            if (!RouteRun.ContinuesAfter(finish.Kind) || !at.HasNext)
            {
                return Finished(at.Telemetry(state), finish, completion, AnswerSource.Of(at));
            }

            failed = (state, finish, at);
            at = at.Next(state, Now);
        }

        if (failed is { } last)
        {
            return Finished(last.At.Telemetry(last.State), last.Finish, null, null);
        }

        var exhausted = new Finish(FinishKind.Failed, $"no step of route '{run.Plan.Name}' could answer (the cache held no answer)", []);
        return Finished(run.Telemetry(), exhausted, null, null);
    }

    // One provider stage to its finish. A round blocked by cooldowns waits for the earliest to end, unless a next stage
    // can answer now.
    private async Task<(FailoverState State, Finish Finish, ChatCompletion? Completion)> RunStageAsync(FailoverState state, bool hasNext)
    {
        ChatCompletion? completion = null;
        for (var i = 0; i < MaxDecisions; i++)
        {
            switch (_policy.Decide(state, Now))
            {
                case SkipProvider skip:
                    state = state.Record(skip);
                    break;
                case WaitThenRetry wait:
                    // A resumed state may already hold this wait (a hand-off): recording it again would add nothing.
                    if (state.History is not [.., WaitRecord recorded] || recorded.Key != wait.Key || recorded.Until != wait.Until)
                    {
                        state = state.Record(wait);
                    }

                    _context.SetCustomStatus(PromptTelemetry.CustomStatus("waiting", state, wait.Key, wait.Until, wait.Reason));
                    await WaitUntilAsync(wait.Until);
                    state = WithHealth(state, await ReadHealthAsync());
                    break;
                case AttemptProvider attempt:
                    (state, completion) = await AttemptAsync(state, attempt);
                    break;
                case Finish finish when !hasNext && FailoverRound.RetryAt(state, finish, Now, ProbeRecheck) is { } again:
                    _context.SetCustomStatus(PromptTelemetry.CustomStatus("waiting", state, until: again, reason: "every provider is blocked for now: " + finish.Summary));
                    await WaitUntilAsync(again);
                    state = WithHealth(FailoverRound.Next(state), await ReadHealthAsync());
                    break;
                case Finish finish:
                    return (state, finish, finish.Kind == FinishKind.Succeeded ? completion : null);
                case var other:
                    throw new InvalidOperationException($"Unknown decision {other.GetType().Name}.");
            }
        }

        throw new InvalidOperationException($"The failover policy made {MaxDecisions} decisions without finishing.");
    }

    private JsonElement Finished(FailoverState state, Finish finish, ChatCompletion? completion, AnswerSource? source)
    {
        var succeeded = finish.Kind == FinishKind.Succeeded;
        _context.SetCustomStatus(PromptTelemetry.CustomStatus(succeeded ? "completed" : "failed", state));
        LogFinished(_logger, _context.InstanceId, finish.Kind, finish.Summary);
        return PromptTelemetry.Output(state, finish, succeeded ? completion : null, source);
    }

    private JsonElement Served(JsonElement body, FailoverState telemetry, AnswerSource source)
    {
        var finish = new Finish(FinishKind.Succeeded, $"served by the route's {source.StrategyName} step", []);
        return Finished(telemetry, finish, ServedCompletion(body), source);
    }

    // The route's cached answer, read by an activity (the cache is storage): only a fresh one instead of calling
    // providers, any one kept (stale-if-error) at a cache stage. Fresh or stale is decided on the replay-safe clock.
    private async Task<(JsonElement Body, AnswerSource Source)?> ReadCachedAsync(RouteRun at, bool freshOnly)
    {
        if (at.CacheKey is not { } key
            || await _context.CallActivityAsync<CachedAnswer?>(ReadCachedAnswerName, key, RetryBrokenActivity()) is not { } hit)
        {
            return null;
        }

        var source = AnswerSource.FromCache(at, hit, Now);
        return freshOnly && source.Cached!.Stale ? null : (hit.Body, source);
    }

    // A served answer's text (the first choice's content, when it is a string) for the output's "content".
    private static ChatCompletion ServedCompletion(JsonElement body)
    {
        var content = body.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("message", out var message) && message.TryGetProperty("content", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()!
            : string.Empty;
        var model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty;
        return new ChatCompletion(content, model, "stop") { Body = body };
    }

    private async Task<(FailoverState State, ChatCompletion? Completion)> AttemptAsync(FailoverState state, AttemptProvider attempt)
    {
        var current = attempt;
        var options = TaskOptions.FromRetryHandler(async retry =>
        {
            if (TransientAttemptException.ReadReport(retry.LastFailure) is not { } report)
            {
                if (retry.LastAttemptNumber >= MaxActivityTries)
                {
                    return false;
                }

                LogActivityBroke(_logger, _context.InstanceId, current.Key.ToString(), retry.LastFailure.ErrorMessage);
                await WaitUntilAsync(Now + Backoff.Delay(retry.LastAttemptNumber, _input.Failover.BaseDelay, _input.Failover.MaxDelay, NextRandom));
                return true;
            }

            // The policy rules the retry: its backoff, its attempt cap, the deadline, and the provider's fresh health.
            state = state.Record(current, report);
            if (_policy.Decide(state, Now) is not WaitThenRetry wait || wait.Key != current.Key)
            {
                return false;
            }

            state = state.Record(wait);
            _context.SetCustomStatus(PromptTelemetry.CustomStatus("waiting", state, wait.Key, wait.Until, wait.Reason));
            await WaitUntilAsync(wait.Until);
            if (_policy.Decide(state, Now) is not AttemptProvider again || again.Key != current.Key)
            {
                return false;
            }

            current = again;
            _context.SetCustomStatus(PromptTelemetry.CustomStatus("calling", state, current.Key));
            return true;
        });

        _context.SetCustomStatus(PromptTelemetry.CustomStatus("calling", state, attempt.Key));
        try
        {
            var report = await _context.CallActivityAsync<AttemptReport>(AttemptProviderName, new AttemptInput(attempt, _input.Request), options);
            return (state.Record(current, report), report.Completion);
        }
        catch (TaskFailedException ex) when (TransientAttemptException.ReadReport(ex.FailureDetails) is not null)
        {
            // The retry handler recorded this failure and let the policy take it from here.
            return (state, null);
        }
        catch (TaskFailedException ex)
        {
            var outcome = new AttemptOutcome { Class = ErrorClass.Unexpected, Reason = "the attempt could not be made: " + ex.FailureDetails.ErrorMessage };
            return (state.Record(current, Now, Now, outcome), null);
        }
    }

    private async Task<IReadOnlyList<Candidate>> ReadHealthAsync() =>
        await _context.CallActivityAsync<List<Candidate>>(ReadProviderHealthName, options: RetryBrokenActivity());

    // Health that cannot be read (storage out of reach and nothing cached yet) is read again until the deadline.
    private TaskOptions RetryBrokenActivity() => TaskOptions.FromRetryHandler(async retry =>
    {
        if (Now >= _input.Request.Deadline)
        {
            return false;
        }

        await WaitUntilAsync(Now + Backoff.Delay(Math.Min(retry.LastAttemptNumber, 5), _input.Failover.BaseDelay, _input.Failover.MaxDelay, NextRandom));
        return true;
    });

    /// <summary>The shortest timer worth setting. The Azure Storage backend's timers are queue messages whose
    /// visibility is the time left when the message is sent, in whole seconds rounded down; a timer closer than this
    /// can fire at once.</summary>
    public static readonly TimeSpan MinimumTimer = TimeSpan.FromSeconds(2);

    // A timer can fire up to a second early (see MinimumTimer): the time is checked again, and the rest is waited out
    // with a timer of at least MinimumTimer, so a wait never spins through empty episodes.
    private async Task WaitUntilAsync(DateTimeOffset until)
    {
        while (Now < until)
        {
            var at = until - Now < MinimumTimer ? Now + MinimumTimer : until;
            await _context.CreateTimer(at.UtcDateTime, CancellationToken.None);
        }
    }

    private static FailoverState WithHealth(FailoverState state, IReadOnlyList<Candidate> fresh)
    {
        var byKey = fresh.ToDictionary(c => c.Key);
        return state with { Candidates = [.. state.Candidates.Select(c => byKey.TryGetValue(c.Key, out var f) ? c with { Health = f.Health } : c)] };
    }

    // Deterministic across replays: the context's GUIDs are derived from the instance id and a counter.
    private double NextRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        _context.NewGuid().TryWriteBytes(bytes);
        return (BitConverter.ToUInt64(bytes) >> 11) * (1.0 / (1UL << 53));
    }

    [LoggerMessage(EventId = 6201, EventName = "PromptFinished", Level = LogLevel.Information, Message = "Prompt {InstanceId} finished: {Kind}: {Summary}")]
    private static partial void LogFinished(ILogger logger, string instanceId, FinishKind kind, string summary);

    [LoggerMessage(EventId = 6202, EventName = "AttemptActivityBroke", Level = LogLevel.Warning, Message = "Prompt {InstanceId}: the attempt on {Provider} could not be made and is tried again: {Error}")]
    private static partial void LogActivityBroke(ILogger logger, string instanceId, string provider, string error);
}
