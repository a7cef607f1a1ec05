using System.Collections.Concurrent;
using LlmFunctions.Caching;
using LlmFunctions.Classification;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Storage;
using LlmFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Failover;

/// <summary>
/// The I/O edge around the pure <see cref="FailoverPolicy"/>: reads shared health (from the in-memory
/// <see cref="ProviderHealthCache"/>), acquires half-open probes, calls providers, records every outcome, and appends
/// each skip, attempt and wait to the state. Requests in this process that meet a probe this process holds wait for
/// its outcome and decide again, instead of skipping the provider.
/// It never sleeps: a wait is handed back to the caller (an in-process delay, or a durable timer), so the same code
/// serves the synchronous fast path and the durable orchestration.
/// </summary>
public sealed partial class PromptRunner
{
    // A request has at most a few hundred decisions (providers x attempts); more means a bug, not a busy day.
    private const int MaxDecisionsPerRun = 10_000;

    // Health that keeps changing under an attempt (probes won and lost elsewhere) is given up on after this many looks.
    private const int MaxHealthLooks = 20;

    // A probe's lease outlives its call's timeout by this much, so only a crashed holder's lease ever lapses.
    private static readonly TimeSpan ProbeLeaseMargin = TimeSpan.FromSeconds(5);

    private readonly ProviderCatalog _catalog;
    private readonly ProviderHealthStore _health;
    private readonly ProviderHealthCache _cache;
    private readonly ProviderCaller _caller;
    private readonly InFlightCalls _inFlight;
    private readonly HealthOptions _healthOptions;
    private readonly FailoverPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger<PromptRunner> _logger;
    private readonly GatewayMetrics? _metrics;
    private readonly ResponseCache? _answers;
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    // The probes this process is acquiring or making, one per key; completed once the outcome is in the cache.
    private readonly ConcurrentDictionary<ProviderKey, TaskCompletionSource> _probes = new();

    /// <summary>Initializes a new instance.</summary>
    /// <param name="catalog">The providers.</param>
    /// <param name="health">The shared health store (probe leases).</param>
    /// <param name="cache">The cached health every read comes from and every outcome is recorded through.</param>
    /// <param name="caller">Makes one provider call.</param>
    /// <param name="inFlight">This instance's calls in flight, for hang suspicion.</param>
    /// <param name="healthOptions">The health settings (failure threshold, hang suspicion).</param>
    /// <param name="policy">The failover policy.</param>
    /// <param name="time">The time source.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="metrics">Counts attempts and fallbacks; none when null.</param>
    /// <param name="answers">Stores the answers of requests that carry a <see cref="PromptRequest.Cache"/> entry; none
    /// when null.</param>
    public PromptRunner(
        ProviderCatalog catalog,
        ProviderHealthStore health,
        ProviderHealthCache cache,
        ProviderCaller caller,
        InFlightCalls inFlight,
        IOptions<HealthOptions> healthOptions,
        FailoverPolicy policy,
        TimeProvider time,
        ILogger<PromptRunner> logger,
        GatewayMetrics? metrics = null,
        ResponseCache? answers = null)
    {
        ArgumentNullException.ThrowIfNull(healthOptions);
        _metrics = metrics;
        _answers = answers;
        _catalog = catalog;
        _health = health;
        _cache = cache;
        _caller = caller;
        _inFlight = inFlight;
        _healthOptions = healthOptions.Value;
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
    /// resumed after a wait sees what other instances learned meanwhile, and again before every call
    /// (<see cref="AttemptAsync"/>).
    /// </summary>
    /// <param name="state">The state to continue from.</param>
    /// <param name="cancellationToken">The caller's token; cancellation is recorded as Cancelled, never against a provider.</param>
    /// <returns>The step it stopped at.</returns>
    public Task<PromptRunStep> RunAsync(FailoverState state, CancellationToken cancellationToken = default) =>
        RunAsync(state, null, cancellationToken);

    /// <summary>As <see cref="RunAsync(FailoverState, CancellationToken)"/>, making each call with
    /// <paramref name="call"/> instead of <see cref="ProviderCaller.CallAsync"/> (a stream opened to its first token).</summary>
    /// <param name="state">The state to continue from.</param>
    /// <param name="call">Makes one call; null for <see cref="ProviderCaller.CallAsync"/>.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <returns>The step it stopped at.</returns>
    public async Task<PromptRunStep> RunAsync(FailoverState state, ProviderCall? call, CancellationToken cancellationToken = default)
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
                case SkipProvider { Kind: SkipKind.ProbeInFlight } skip when OwnProbe(state, skip.Key) is { } own:
                    await own.WaitAsync(cancellationToken);
                    state = WithHealth(state, await FreshHealthAsync(skip.Key, cancellationToken));
                    break;
                case SkipProvider skip:
                    LogSkipped(_logger, skip.Key.Provider, skip.Key.Model, skip.Kind, skip.Reason);
                    state = state.Record(skip);
                    break;
                case AttemptProvider attempt:
                    _metrics?.RecordFallback(state, attempt.Key);
                    var report = await AttemptCoreAsync(attempt, state.Request, call, cancellationToken);
                    state = state.Record(attempt, report);
                    completion = report.Completion;
                    break;
                default:
                    throw new InvalidOperationException($"Unknown decision {decision.GetType().Name}.");
            }
        }

        throw new InvalidOperationException($"The failover policy made {MaxDecisionsPerRun} decisions without finishing or waiting.");
    }

    /// <summary>
    /// Makes one attempt as decided, unless the provider's freshest health says no one may call it now (it opened,
    /// cooled down or was disabled since the decision, or another caller holds its probe): then no call is made and
    /// the report says why. A provider whose gate has just ended is called under the single probe lease, held for at
    /// most the provider's attempt timeout and a margin, so a crashed holder's lease lapses soon after. A probe this
    /// process is already making is waited for, and the attempt goes on with the health it left. Unless the attempt
    /// is the request's last resort, a provider suspect of hanging (<see cref="HangSuspicion"/>) or whose queue on
    /// this instance is full is deferred instead of called. The request's deadline cancels the whole attempt: waiting
    /// for a probe or a slot, and the call. The outcome is recorded in the shared health before this returns.
    /// </summary>
    /// <param name="attempt">The decision.</param>
    /// <param name="request">The request (sampling settings, deadline).</param>
    /// <param name="cancellationToken">The caller's token; cancellation is an outcome, never counted against the provider.</param>
    /// <returns>What came of it.</returns>
    public Task<AttemptReport> AttemptAsync(AttemptProvider attempt, PromptRequest request, CancellationToken cancellationToken = default) =>
        AttemptCoreAsync(attempt, request, null, cancellationToken);

    private async Task<AttemptReport> AttemptCoreAsync(AttemptProvider attempt, PromptRequest request, ProviderCall? call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(request);
        var key = attempt.Key;
        var provider = _catalog.Find(key.Provider)
            ?? throw new InvalidOperationException($"Provider '{key.Provider}' is not in the catalog.");
        var left = request.Deadline - _time.GetUtcNow();
        using var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var report = await AttemptUntilDeadlineAsync(provider, attempt, request, call, linked.Token, cancellationToken);
            if (report.Completion is { Body: { } body } && request.Cache is { } write && _answers is not null)
            {
                // Best effort and not the caller's to cancel: a store that fails is logged by the cache, and the answer
                // goes out all the same.
                await _answers.TryStoreAsync(write.Key, write.Scope, body, key.ToString(), write.Fresh, write.Keep, CancellationToken.None);
            }

            return report;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            var skip = new SkipProvider(key, Inv($"the request's deadline {request.Deadline:O} passed before the call could start"), SkipKind.RetryPastDeadline);
            return new AttemptReport(key, null, now, now, _cache.Find(key), null, skip);
        }
    }

    private async Task<AttemptReport> AttemptUntilDeadlineAsync(
        ProviderDescriptor provider, AttemptProvider attempt, PromptRequest request, ProviderCall? call, CancellationToken cancellationToken, CancellationToken callerToken)
    {
        var key = attempt.Key;
        for (var look = 0; look < MaxHealthLooks; look++)
        {
            var health = await FreshHealthAsync(key, cancellationToken);
            var now = _time.GetUtcNow();
            var availability = health.AvailabilityAt(now);
            if (!availability.CanCall)
            {
                if (availability.Kind == AvailabilityKind.ProbeInFlight && health.ProbeOwner == _owner && _probes.TryGetValue(key, out var running))
                {
                    await running.Task.WaitAsync(cancellationToken);
                    continue;
                }

                var skip = FailoverPolicy.Blocked(key, availability);
                LogSkipped(_logger, key.Provider, key.Model, skip.Kind, skip.Reason);
                return new AttemptReport(key, null, now, now, health, null, skip);
            }

            if (availability.Kind != AvailabilityKind.ProbeAvailable)
            {
                var ended = _inFlight.NextEnd(key);
                if (await TryCallAsync(provider, attempt, request, call, health, isProbe: false, cancellationToken, callerToken) is { } report)
                {
                    return report;
                }

                // The last resort waits on a suspect provider for as long as its deadline allows, not MaxHealthLooks.
                await ended.WaitAsync(cancellationToken);
                look = 0;
                continue;
            }

            var slot = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            bool acquired;
            try
            {
                acquired = await AcquireProbeOrWaitAsync(key, slot, provider.Timeout + ProbeLeaseMargin, cancellationToken);
            }
            catch (Exception ex) when (StorageFailure.IsUnavailable(ex))
            {
                // No lease, no probe: a recovering provider stays with one caller across hosts; the request goes on
                // with the other providers.
                LogProbeLeaseUnavailable(_logger, key.Provider, key.Model, StorageFailure.Describe(ex));
                var skip = new SkipProvider(key, "its probe needs the shared lease, and the health store cannot be reached", SkipKind.ProbeInFlight);
                return new AttemptReport(key, null, now, now, health, null, skip);
            }

            if (!acquired)
            {
                continue;
            }

            try
            {
                // A probe is single-flight already: never suspect.
                return (await TryCallAsync(provider, attempt, request, call, health, isProbe: true, cancellationToken, callerToken))!;
            }
            finally
            {
                EndProbe(key, slot);
            }
        }

        throw new InvalidOperationException($"The health of {key} changed under {MaxHealthLooks} looks without settling.");
    }

    // A call given (a stream opened to its first token) takes its slot as any call does. The token
    // bounds the call by the request's deadline; the caller's token tells a deadline from a caller's cancel.
    // Null when the attempt is the last resort and the provider is suspect: wait for its next call to end and look again.
    private async Task<AttemptReport?> TryCallAsync(
        ProviderDescriptor provider,
        AttemptProvider attempt,
        PromptRequest request,
        ProviderCall? call,
        ProviderHealth health,
        bool isProbe,
        CancellationToken cancellationToken,
        CancellationToken callerToken)
    {
        var key = attempt.Key;
        var chat = new ChatRequest(attempt.Messages, key.Model, request.Parameters);
        var startedAt = _time.GetUtcNow();
        // A probe is single-flight already, and its health says so: never suspect.
        var inFlight = _inFlight.TryStart(key, startedAt, calls => isProbe ? null : HangSuspicion.Reason(health, calls, startedAt, provider.Timeout, _healthOptions), out var suspicion);
        if (inFlight is not { } id)
        {
            if (!attempt.LastResort)
            {
                return Deferred(key, startedAt, health, suspicion!, SkipKind.Suspect);
            }

            // The last resort adds no call to a suspect provider: it waits for the suspicion to clear (an answer) or to
            // be confirmed (its calls failing, its circuit opening), then looks at the health again.
            return null;
        }

        AttemptResult? maybe = null;
        ProviderHealth? after = null;
        var recordedAt = startedAt;
        try
        {
            using var span = GatewayMetrics.StartAttempt(key, attempt.AttemptNumber);
            maybe = await (call ?? _caller.TryCallAsync)(provider, chat, attempt.LastResort || isProbe, cancellationToken);
            if (maybe is not { } result)
            {
                return Deferred(key, startedAt, health, Inv($"all {provider.MaxConcurrency} slot(s) on this instance are taken and {provider.MaxQueue} call(s) wait"), SkipKind.Busy);
            }

            recordedAt = _time.GetUtcNow();
            _metrics?.RecordAttempt(span, key, result);
            if (call is not null && result.Outcome.Class == ErrorClass.Success)
            {
                // A stream's call returns at its first token: its duration is the time to first token.
                _metrics?.RecordTimeToFirstToken(key, result.Duration);
            }
            var outcome = result.Outcome;
            var recorded = outcome with { Duration = result.Duration };
            if (outcome.Class == ErrorClass.Cancelled && !callerToken.IsCancellationRequested)
            {
                // The request's deadline cut the call: nothing is learned of the provider (the health records a
                // cancellation, which only frees a probe), and the request ends past its deadline.
                outcome = outcome with { Class = ErrorClass.Transient, Reason = Inv($"cut at the request's deadline after {ErrorClassifier.FormatDuration(result.Duration)}") };
            }

            LogAttempt(_logger, key.Provider, key.Model, attempt.AttemptNumber, outcome.Class, outcome.HttpStatus, (long)result.Duration.TotalMilliseconds, outcome.Reason);
            after = await TryRecordHealthAsync(key, recorded);
            return new AttemptReport(key, outcome, startedAt, recordedAt, after, outcome.Class == ErrorClass.Success ? result.Completion : null, null);
        }
        finally
        {
            // Ended only once its outcome is in the health: a failure is counted in the row or as a call in flight,
            // never in neither. Any HTTP status, error or not, shows the provider is not hanging.
            _inFlight.End(key, id, answered: maybe?.Outcome.HttpStatus is not null, recordedAt);
        }
    }

    // A deferral carries when the provider last answered this instance: the last resort prefers the most recent.
    private AttemptReport Deferred(ProviderKey key, DateTimeOffset now, ProviderHealth health, string reason, SkipKind kind)
    {
        LogSkipped(_logger, key.Provider, key.Model, kind, reason);
        return new AttemptReport(key, null, now, now, health, null, new SkipProvider(key, reason, kind, _inFlight.Snapshot(key).LastAnswer));
    }

    /// <summary>Records an outcome learned after an attempt was reported (a stream that failed after its first token)
    /// in the shared health, as every attempt's outcome is.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="outcome">The outcome.</param>
    /// <returns>The provider's health after it, or null when the store could not be written.</returns>
    public Task<ProviderHealth?> RecordOutcomeAsync(ProviderKey key, AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        LogLateOutcome(_logger, key.Provider, key.Model, outcome.Class, outcome.Reason);
        return TryRecordHealthAsync(key, outcome);
    }

    // Shared health is advice for later requests: failing to write it must not fail this one, whose outcome is known.
    // Recorded even when the caller has gone: a probe lease must be released and a provider's failure is shared knowledge.
    private async Task<ProviderHealth?> TryRecordHealthAsync(ProviderKey key, AttemptOutcome outcome)
    {
        try
        {
            return (await _cache.RecordAsync(key, outcome, CancellationToken.None)).Current;
        }
        catch (Exception ex) when (StorageFailure.IsUnavailable(ex))
        {
            LogHealthWriteFailed(_logger, key.Provider, key.Model, outcome.Class, StorageFailure.Describe(ex));
            return null;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException)
        {
            LogHealthWriteFailed(_logger, key.Provider, key.Model, outcome.Class, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Takes this process's probe slot for <paramref name="key"/>, then the shared probe lease for at most
    /// <paramref name="lease"/>. Returns true when this caller holds both and must make the call (then
    /// <see cref="EndProbe"/>); false when the health should be looked at again: after another request of this
    /// process finished its probe, or when the lease could not be had.
    /// </summary>
    private async Task<bool> AcquireProbeOrWaitAsync(ProviderKey key, TaskCompletionSource slot, TimeSpan lease, CancellationToken cancellationToken)
    {
        while (!_probes.TryAdd(key, slot))
        {
            if (_probes.TryGetValue(key, out var running))
            {
                await running.Task.WaitAsync(cancellationToken);
                return false;
            }
        }

        var acquired = false;
        try
        {
            acquired = await _health.TryAcquireProbeAsync(key, _owner, lease, cancellationToken);
            if (!acquired)
            {
                await _cache.ReadThroughAsync(key, cancellationToken);
            }

            return acquired;
        }
        finally
        {
            if (!acquired)
            {
                EndProbe(key, slot);
            }
        }
    }

    private void EndProbe(ProviderKey key, TaskCompletionSource slot)
    {
        _probes.TryRemove(new KeyValuePair<ProviderKey, TaskCompletionSource>(key, slot));
        slot.TrySetResult();
    }

    // A probe lease this process holds and is still making; a lease of another host (or a stale one) is skipped.
    private Task? OwnProbe(FailoverState state, ProviderKey key) =>
        state.Candidates.FirstOrDefault(c => c.Key == key)?.Health.ProbeOwner == _owner && _probes.TryGetValue(key, out var running)
            ? running.Task
            : null;

    // A provider without a row in the cached view is read from the table; with the table out of reach it is what the
    // view says: unknown.
    private async Task<ProviderHealth> FreshHealthAsync(ProviderKey key, CancellationToken cancellationToken)
    {
        if (_cache.Find(key) is { } cached)
        {
            return cached;
        }

        try
        {
            return await _cache.ReadThroughAsync(key, cancellationToken);
        }
        catch (Exception ex) when (StorageFailure.IsUnavailable(ex))
        {
            LogHealthReadFailed(_logger, key.Provider, key.Model, StorageFailure.Describe(ex));
            return ProviderHealth.New(key);
        }
    }

    /// <summary>Reads every provider and model a request may use, in the configured order, with current health.</summary>
    /// <param name="cancellationToken">Cancels the health read.</param>
    /// <returns>The candidates.</returns>
    public async Task<IReadOnlyList<Candidate>> ReadCandidatesAsync(CancellationToken cancellationToken = default)
    {
        var known = await _cache.GetAllAsync(cancellationToken);
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
                    $"{ProviderCatalog.SectionName}:{provider.Name}:MaxPromptChars",
                    provider.Kind,
                    provider.Weight,
                    _inFlight.Count(key)));
            }
        }

        return candidates;
    }

    private async Task<IReadOnlyList<Candidate>> RefreshAsync(IReadOnlyList<Candidate> candidates, CancellationToken cancellationToken)
    {
        var known = await _cache.GetAllAsync(cancellationToken);
        return candidates.Select(c => (known.TryGetValue(c.Key, out var h) ? c with { Health = h } : c) with { InFlight = _inFlight.Count(c.Key) }).ToList();
    }

    private static string Inv(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static FailoverState WithHealth(FailoverState state, ProviderHealth health) =>
        state with { Candidates = state.Candidates.Select(c => c.Key == health.Key ? c with { Health = health } : c).ToList() };

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Attempt {AttemptNumber} on {Provider}/{Model}: {ErrorClass} (HTTP {HttpStatus}) in {DurationMs} ms: {Reason}")]
    private static partial void LogAttempt(ILogger logger, string provider, string model, int attemptNumber, ErrorClass errorClass, int? httpStatus, long durationMs, string reason);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "Skipped {Provider}/{Model} ({Kind}): {Reason}")]
    private static partial void LogSkipped(ILogger logger, string provider, string model, SkipKind kind, string reason);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Warning, Message = "Could not read the health of {Provider}/{Model}: the health store cannot be reached ({Error}); it is taken as unknown")]
    private static partial void LogHealthReadFailed(ILogger logger, string provider, string model, string error);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Warning, Message = "Skipped {Provider}/{Model}: its probe lease cannot be taken while the health store cannot be reached ({Error})")]
    private static partial void LogProbeLeaseUnavailable(ILogger logger, string provider, string model, string error);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "Could not record {ErrorClass} for {Provider}/{Model} in the health table ({Reason}); the request goes on")]
    private static partial void LogHealthWriteFailed(ILogger logger, string provider, string model, ErrorClass errorClass, string reason);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Warning, Message = "Stream from {Provider}/{Model} failed after its first token: {ErrorClass}: {Reason}")]
    private static partial void LogLateOutcome(ILogger logger, string provider, string model, ErrorClass errorClass, string reason);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "Request finished: {Kind}: {Summary}")]
    private static partial void LogFinished(ILogger logger, FinishKind kind, string summary);
}
