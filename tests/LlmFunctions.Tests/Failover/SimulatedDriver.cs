using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Failover;

/// <summary>
/// A test driver loop without I/O: asks the policy, applies scripted outcomes, waits by advancing a FakeTimeProvider,
/// and keeps a tiny in-memory "health store" (permanent failure disables for 24 h, a 429 cools down until RetryAt) that
/// it re-reads into the candidates before every step, as the real drivers will.
/// </summary>
internal sealed class SimulatedDriver
{
    private readonly Dictionary<string, Queue<AttemptOutcome>> script = new(StringComparer.Ordinal);

    public SimulatedDriver(FailoverPolicy policy, FakeTimeProvider? time = null)
    {
        Policy = policy;
        Time = time ?? new FakeTimeProvider(FailoverFixtures.T0);
    }

    public FailoverPolicy Policy { get; }

    public FakeTimeProvider Time { get; }

    public TimeSpan CallDuration { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets the shared health, as the store would hold it across requests.</summary>
    public Dictionary<ProviderKey, ProviderHealth> Store { get; } = [];

    /// <summary>Gets or sets whether outcomes update <see cref="Store"/> (off simulates a lagging store).</summary>
    public bool UpdateStore { get; set; } = true;

    /// <summary>Queues outcomes for a provider; once they run out it succeeds.</summary>
    public SimulatedDriver Script(string provider, params AttemptOutcome[] outcomes)
    {
        if (!script.TryGetValue(provider, out var queue))
        {
            script[provider] = queue = new Queue<AttemptOutcome>();
        }

        foreach (var outcome in outcomes)
        {
            queue.Enqueue(outcome);
        }

        return this;
    }

    public (List<FailoverDecision> Decisions, FailoverState State) Run(FailoverState state, int maxSteps = 200)
    {
        var decisions = new List<FailoverDecision>();
        for (var step = 0; step < maxSteps; step++)
        {
            state = state with { Candidates = [.. state.Candidates.Select(c => c with { Health = Store.GetValueOrDefault(c.Key, c.Health) })] };
            var decision = Policy.Decide(state, Time.GetUtcNow());
            decisions.Add(decision);
            switch (decision)
            {
                case Finish:
                    return (decisions, state);
                case SkipProvider skip:
                    state = state.Record(skip);
                    break;
                case WaitThenRetry wait:
                    state = state.Record(wait);
                    Time.SetUtcNow(wait.Until);
                    break;
                case AttemptProvider attempt:
                    var started = Time.GetUtcNow();
                    Time.Advance(CallDuration);
                    var outcome = Next(attempt.Key.Provider);
                    state = state.Record(attempt, started, Time.GetUtcNow(), outcome);
                    Apply(state.Candidates.First(c => c.Key == attempt.Key), outcome);
                    break;
            }
        }

        throw new InvalidOperationException("the policy did not finish");
    }

    private AttemptOutcome Next(string provider) =>
        script.TryGetValue(provider, out var queue) && queue.Count > 0
            ? queue.Dequeue()
            : FailoverFixtures.Outcome(ErrorClass.Success, 200);

    private void Apply(Candidate candidate, AttemptOutcome outcome)
    {
        if (!UpdateStore)
        {
            return;
        }

        var now = Time.GetUtcNow();
        var health = Store.GetValueOrDefault(candidate.Key, candidate.Health);
        Store[candidate.Key] = outcome switch
        {
            { IsPermanentProviderFailure: true } => health with { DisabledUntil = now.AddHours(24), DisabledReason = outcome.Reason },
            { Class: ErrorClass.RateLimited, RetryAt: { } until } => health with { CooldownUntil = until, CooldownReason = outcome.Reason },
            { Class: ErrorClass.Success } => FailoverFixtures.Healthy(candidate.Key),
            _ => health,
        };
    }
}
