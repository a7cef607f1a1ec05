using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using Microsoft.Extensions.Logging;

namespace LlmFunctions.Failover;

/// <summary>
/// The I/O edge around the pure <see cref="FailoverPolicy"/>: reads shared health, acquires half-open probes,
/// calls providers, records every outcome in the health store, and appends each skip, attempt and wait to the state.
/// It never sleeps: a wait is handed back to the caller (an in-process delay, or a durable timer), so the same code
/// serves the synchronous fast path and the durable orchestration.
/// </summary>
public sealed partial class PromptRunner
{
    // A request has at most a few hundred decisions (providers x attempts); more means a bug, not a busy day.
    private const int MaxDecisionsPerRun = 10_000;

    private readonly ProviderCatalog _catalog;
    private readonly ProviderHealthStore _health;
    private readonly ProviderCaller _caller;
    private readonly FailoverPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger<PromptRunner> _logger;
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Initializes a new instance.</summary>
    /// <param name="catalog">The providers.</param>
    /// <param name="health">The shared health store.</param>
    /// <param name="caller">Makes one provider call.</param>
    /// <param name="policy">The failover policy.</param>
    /// <param name="time">The time source.</param>
    /// <param name="logger">The logger.</param>
    public PromptRunner(ProviderCatalog catalog, ProviderHealthStore health, ProviderCaller caller, FailoverPolicy policy, TimeProvider time, ILogger<PromptRunner> logger)
    {
        _catalog = catalog;
        _health = health;
        _caller = caller;
        _policy = policy;
        _time = time;
        _logger = logger;
    }

    /// <summary>Creates the initial state of a request: one candidate per provider and model, with current health.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the health read.</param>
    /// <returns>The state.</returns>
    public async Task<FailoverState> StartAsync(PromptRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var candidates = await ReadCandidatesAsync(cancellationToken);
        return FailoverState.Start(request, candidates);
    }

    /// <summary>
    /// Decides and acts until the request finishes or must wait. Health is re-read at the start, so a state
    /// resumed after a wait sees what other instances learned meanwhile.
    /// </summary>
    /// <param name="state">The state to continue from.</param>
    /// <param name="cancellationToken">The caller's token; cancellation is recorded as Cancelled, never against a provider.</param>
    /// <returns>The step it stopped at.</returns>
    public Task<PromptRunStep> RunAsync(FailoverState state, CancellationToken cancellationToken = default) =>
        RunAsync(state, beforeAttempt: null, cancellationToken);

    /// <summary>
    /// Decides and acts until the request finishes or must wait, handing the state to <paramref name="beforeAttempt"/>
    /// before every provider call so that a durable driver checkpoints what came before it: a crash repeats at most
    /// one call, and a request answered by its first call costs no extra checkpoint.
    /// </summary>
    /// <param name="state">The state to continue from.</param>
    /// <param name="beforeAttempt">Called with the state before each provider call; its exception ends the run.</param>
    /// <param name="cancellationToken">The caller's token; cancellation is recorded as Cancelled, never against a provider.</param>
    /// <returns>The step it stopped at.</returns>
    public async Task<PromptRunStep> RunAsync(FailoverState state, Func<FailoverState, CancellationToken, Task>? beforeAttempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        state = state with { Candidates = await RefreshAsync(state.Candidates, cancellationToken) };
        ChatCompletion? completion = null;
        for (var i = 0; i < MaxDecisionsPerRun; i++)
        {
            var decision = _policy.Decide(state, _time.GetUtcNow());
            switch (decision)
            {
                case Finish finish:
                    LogFinished(_logger, finish.Kind, finish.Summary);
                    return new PromptRunStep(state, finish, finish.Kind == FinishKind.Succeeded ? completion : null);
                case WaitThenRetry wait:
                    return new PromptRunStep(state.Record(wait), wait, null);
                case SkipProvider skip:
                    LogSkipped(_logger, skip.Key.Provider, skip.Key.Model, skip.Kind, skip.Reason);
                    state = state.Record(skip);
                    break;
                case AttemptProvider { IsProbe: true } probe when !await _health.TryAcquireProbeAsync(probe.Key, _owner, cancellationToken):
                    state = WithHealth(state, await _health.GetAsync(probe.Key, cancellationToken));
                    break;
                case AttemptProvider attempt:
                    if (beforeAttempt is not null)
                    {
                        await beforeAttempt(state, cancellationToken);
                    }

                    (state, completion) = await AttemptAsync(state, attempt, cancellationToken);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown decision {decision.GetType().Name}.");
            }
        }

        throw new InvalidOperationException($"The failover policy made {MaxDecisionsPerRun} decisions without finishing or waiting.");
    }

    /// <summary>Runs a request to its finish, waiting out backoffs in process (through the TimeProvider).</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The final step.</returns>
    public async Task<PromptRunStep> RunToFinishAsync(PromptRequest request, CancellationToken cancellationToken = default)
    {
        var state = await StartAsync(request, cancellationToken);
        while (true)
        {
            var step = await RunAsync(state, cancellationToken);
            if (step.Decision is not WaitThenRetry wait)
            {
                return step;
            }

            var delay = wait.Until - _time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, cancellationToken);
            }

            state = step.State;
        }
    }

    private async Task<(FailoverState State, ChatCompletion? Completion)> AttemptAsync(FailoverState state, AttemptProvider attempt, CancellationToken cancellationToken)
    {
        var provider = _catalog.Find(attempt.Key.Provider)
            ?? throw new InvalidOperationException($"Provider '{attempt.Key.Provider}' is not in the catalog.");
        var request = new ChatRequest(attempt.Messages, attempt.Key.Model, state.Request.MaxTokens, state.Request.Temperature);
        var startedAt = _time.GetUtcNow();
        var result = await _caller.CallAsync(provider, request, cancellationToken);
        var finishedAt = _time.GetUtcNow();

        LogAttempt(_logger, attempt.Key.Provider, attempt.Key.Model, attempt.AttemptNumber, result.Outcome.Class, result.Outcome.HttpStatus, (long)result.Duration.TotalMilliseconds, result.Outcome.Reason);
        state = state.Record(attempt, startedAt, finishedAt, result.Outcome);
        if (await TryRecordHealthAsync(attempt.Key, result.Outcome) is { } health)
        {
            state = WithHealth(state, health);
        }

        return (state, result.Outcome.Class == ErrorClass.Success ? result.Completion : null);
    }

    // Shared health is advice for later requests: failing to write it must not fail this one, whose outcome is known.
    // Recorded even when the caller has gone: a probe lease must be released and a provider's failure is shared knowledge.
    private async Task<ProviderHealth?> TryRecordHealthAsync(ProviderKey key, AttemptOutcome outcome)
    {
        try
        {
            return (await _health.RecordAsync(key, outcome, CancellationToken.None)).Current;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException or HttpRequestException)
        {
            LogHealthWriteFailed(_logger, ex, key.Provider, key.Model, outcome.Class);
            return null;
        }
    }

    private async Task<IReadOnlyList<Candidate>> ReadCandidatesAsync(CancellationToken cancellationToken)
    {
        var known = (await _health.GetAllAsync(cancellationToken)).ToDictionary(h => h.Key);
        var candidates = new List<Candidate>();
        foreach (var provider in _catalog.Providers)
        {
            for (var m = 0; m < provider.Models.Count; m++)
            {
                var key = new ProviderKey(provider.Name, provider.Models[m]);
                candidates.Add(new Candidate(
                    key,
                    (provider.Priority * 100) + Math.Min(m, 99),
                    provider.MaxPromptChars,
                    known.GetValueOrDefault(key) ?? ProviderHealth.New(key),
                    $"{ProviderCatalog.SectionName}:{provider.Name}:MaxPromptChars"));
            }
        }

        return candidates;
    }

    private async Task<IReadOnlyList<Candidate>> RefreshAsync(IReadOnlyList<Candidate> candidates, CancellationToken cancellationToken)
    {
        var known = (await _health.GetAllAsync(cancellationToken)).ToDictionary(h => h.Key);
        return candidates.Select(c => known.TryGetValue(c.Key, out var h) ? c with { Health = h } : c).ToList();
    }

    private static FailoverState WithHealth(FailoverState state, ProviderHealth health) =>
        state with { Candidates = state.Candidates.Select(c => c.Key == health.Key ? c with { Health = health } : c).ToList() };

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Attempt {AttemptNumber} on {Provider}/{Model}: {ErrorClass} (HTTP {HttpStatus}) in {DurationMs} ms: {Reason}")]
    private static partial void LogAttempt(ILogger logger, string provider, string model, int attemptNumber, ErrorClass errorClass, int? httpStatus, long durationMs, string reason);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "Skipped {Provider}/{Model} ({Kind}): {Reason}")]
    private static partial void LogSkipped(ILogger logger, string provider, string model, SkipKind kind, string reason);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "Could not record {ErrorClass} for {Provider}/{Model} in the health store; the request goes on")]
    private static partial void LogHealthWriteFailed(ILogger logger, Exception exception, string provider, string model, ErrorClass errorClass);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "Request finished: {Kind}: {Summary}")]
    private static partial void LogFinished(ILogger logger, FinishKind kind, string summary);
}
