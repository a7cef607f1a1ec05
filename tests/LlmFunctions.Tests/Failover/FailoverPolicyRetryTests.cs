using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

public class FailoverPolicyRetryTests
{
    [Fact]
    public void Decide_TransientThreeTimes_WaitsWithBackoffThenMovesOn()
    {
        var driver = new SimulatedDriver(Policy())
            .Script("A", Outcome(ErrorClass.Transient, 503), Outcome(ErrorClass.Transient, 503), Outcome(ErrorClass.MalformedResponse, 200));
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]);

        var (decisions, final) = driver.Run(state);

        Assert.Equal(
            ["attempt A#1", "wait A 1920ms", "attempt A#2", "wait A 3840ms", "attempt A#3", "skip A ExhaustedRetries", "attempt B#1", "finish Succeeded"],
            decisions.Select(Describe));
        var attempts = final.History.OfType<AttemptRecord>().ToList();
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMilliseconds(1_920), TimeSpan.FromMilliseconds(3_840), TimeSpan.Zero], attempts.Select(a => a.WaitBefore));
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(500 + 1_920 + 500 + 3_840), attempts[2].StartedAt);
    }

    [Fact]
    public void Decide_AfterRecordedWait_RetriesSameProviderWithoutNewJitter()
    {
        var calls = 0;
        var policy = new FailoverPolicy(new FailoverOptions(), () => ++calls % 2 == 0 ? 0.0 : 0.9);
        var state = FailoverState.Start(Request(), [Candidate("A", 1)])
            .Record(new AttemptProvider(Key("A"), 1, false, [], false, 10, 10, TimeSpan.Zero), T0, T0, Outcome(ErrorClass.Transient, 503));
        var wait = Assert.IsType<WaitThenRetry>(policy.Decide(state, T0));
        state = state.Record(wait);

        var early = Assert.IsType<WaitThenRetry>(policy.Decide(state, wait.Until.AddMilliseconds(-300)));
        var due = Assert.IsType<AttemptProvider>(policy.Decide(state, wait.Until));

        Assert.Equal(wait.Until, early.Until);
        Assert.Equal(TimeSpan.FromMilliseconds(300), early.Delay);
        Assert.Equal(2, due.AttemptNumber);
        Assert.Equal(wait.Delay, due.WaitBefore);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Decide_ShortRetryAfter_WaitsUntilRetryAtThenProbesSameProvider()
    {
        var driver = new SimulatedDriver(Policy());
        driver.Script("A", Outcome(ErrorClass.RateLimited, 429, retryAt: T0 + TimeSpan.FromSeconds(4)));
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]);

        var (decisions, final) = driver.Run(state);

        // The call took 0.5 s, so 3.5 s remain of the Retry-After; the store's cooldown just ended, so it is a probe.
        Assert.Equal(["attempt A#1", "wait A 3500ms", "attempt A#2 probe", "finish Succeeded"], decisions.Select(Describe));
        var wait = Assert.IsType<WaitThenRetry>(decisions[1]);
        Assert.Equal(T0 + TimeSpan.FromSeconds(4), wait.Until);
        Assert.Equal(Key("A"), Assert.IsType<Finish>(decisions[^1]).Winner!.Key);
        Assert.Equal(2, final.History.OfType<AttemptRecord>().Count());
    }

    [Fact]
    public void Decide_RetryAfterBeyondThreshold_SkipsRateLimitedLongAndMovesOn()
    {
        var driver = new SimulatedDriver(Policy())
            .Script("A", Outcome(ErrorClass.RateLimited, 429, retryAt: T0 + TimeSpan.FromSeconds(60)));
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]);

        var (decisions, _) = driver.Run(state);

        Assert.Equal(["attempt A#1", "skip A RateLimitedLong", "attempt B#1", "finish Succeeded"], decisions.Select(Describe));
        Assert.Equal(T0 + TimeSpan.FromSeconds(60), Assert.IsType<SkipProvider>(decisions[1]).Until);
    }

    [Fact]
    public void Decide_OnlyProviderRateLimitedBeyondThreshold_FinishesAllCoolingDownAtItsRetryTime()
    {
        var driver = new SimulatedDriver(Policy())
            .Script("A", Outcome(ErrorClass.RateLimited, 429, retryAt: T0 + TimeSpan.FromSeconds(60)));
        var state = FailoverState.Start(Request(), [Candidate("A", 1)]);

        var (decisions, _) = driver.Run(state);

        Assert.Equal(["attempt A#1", "skip A RateLimitedLong", "finish AllCoolingDown"], decisions.Select(Describe));
        Assert.Equal(T0 + TimeSpan.FromSeconds(60), Assert.IsType<Finish>(decisions[^1]).RetryAt);
    }

    [Fact]
    public void Decide_ShortRetryAfterThenStillCoolingDown_FinishesAllCoolingDown()
    {
        // A 429 asks for 1 s; after the wait the store still holds the provider's cooldown (another caller met a
        // later 429), so the retry is skipped as blocked: every attempt was told to wait, so 503, not 502.
        var until = T0 + TimeSpan.FromSeconds(3);
        var policy = Policy();
        var state = FailoverState.Start(Request(), [Candidate("A", 1)])
            .Record(new AttemptProvider(Key("A"), 1, false, [], false, 10, 10, TimeSpan.Zero), T0, T0, Outcome(ErrorClass.RateLimited, 429, retryAt: T0 + TimeSpan.FromSeconds(1)));
        var wait = Assert.IsType<WaitThenRetry>(policy.Decide(state, T0));
        state = state.Record(wait);
        state = state with { Candidates = [Candidate("A", 1, health: Healthy(Key("A")) with { CooldownUntil = until, CooldownReason = "HTTP 429" })] };

        var skip = Assert.IsType<SkipProvider>(policy.Decide(state, wait.Until));
        var finish = Assert.IsType<Finish>(policy.Decide(state.Record(skip), wait.Until));

        Assert.Equal(SkipKind.CoolingDown, skip.Kind);
        Assert.Equal(FinishKind.AllCoolingDown, finish.Kind);
        Assert.Equal(until, finish.RetryAt);
    }

    [Fact]
    public void Decide_NextRoundForgotTheRateLimitedProvidersBlock_FinishesAllCoolingDownAtIts429RetryTime()
    {
        // Round 1: A answered 429 (retry in 1 s) and, retried, was blocked by its cooldown; B was cooling down briefly.
        // Round 2 forgets both blocks; B now answers 429 for 36 s. A is attempted and has no skip left.
        var policy = Policy();
        var aRetry = T0 + TimeSpan.FromSeconds(1);
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)])
            .Record(new AttemptProvider(Key("A"), 1, false, [], false, 10, 10, TimeSpan.Zero), T0, T0, Outcome(ErrorClass.RateLimited, 429, retryAt: aRetry))
            .Record(new SkipProvider(Key("A"), "cooling down", SkipKind.CoolingDown, T0 + TimeSpan.FromSeconds(2)))
            .Record(new SkipProvider(Key("B"), "cooling down", SkipKind.CoolingDown, T0 + TimeSpan.FromMilliseconds(100)));
        state = FailoverRound.Next(state)
            .Record(new AttemptProvider(Key("B"), 1, false, [], false, 10, 10, TimeSpan.Zero), T0, T0, Outcome(ErrorClass.RateLimited, 429, retryAt: T0 + TimeSpan.FromSeconds(36)));

        var skip = Assert.IsType<SkipProvider>(policy.Decide(state, T0));
        var finish = Assert.IsType<Finish>(policy.Decide(state.Record(skip), T0));

        Assert.Equal(SkipKind.RateLimitedLong, skip.Kind);
        Assert.Equal(FinishKind.AllCoolingDown, finish.Kind);
        Assert.Equal(aRetry, finish.RetryAt);
    }

    [Fact]
    public void Decide_TransientFailureThenRetryBlockedByCooldown_FinishesAllCoolingDown()
    {
        var until = T0 + TimeSpan.FromSeconds(3);
        var policy = Policy();
        var state = FailoverState.Start(Request(), [Candidate("A", 1)])
            .Record(new AttemptProvider(Key("A"), 1, false, [], false, 10, 10, TimeSpan.Zero), T0, T0, Outcome(ErrorClass.Transient, 503));
        state = state with { Candidates = [Candidate("A", 1, health: Healthy(Key("A")) with { CooldownUntil = until, CooldownReason = "HTTP 429" })] };

        var skip = Assert.IsType<SkipProvider>(policy.Decide(state, T0));
        var finish = Assert.IsType<Finish>(policy.Decide(state.Record(skip), T0));

        Assert.Equal(SkipKind.CoolingDown, skip.Kind);
        Assert.Equal(FinishKind.AllCoolingDown, finish.Kind);
        Assert.Equal(until, finish.RetryAt);
    }

    [Fact]
    public void Decide_TransientRetriesExhaustedOthersCoolingDown_FinishesFailed()
    {
        var cooling = Healthy(Key("B")) with { CooldownUntil = T0 + TimeSpan.FromSeconds(30), CooldownReason = "HTTP 429" };
        var driver = new SimulatedDriver(Policy())
            .Script("A", Outcome(ErrorClass.Transient, 503), Outcome(ErrorClass.Transient, 503), Outcome(ErrorClass.Transient, 503));
        driver.UpdateStore = false;
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2, health: cooling)]);

        var (decisions, _) = driver.Run(state);

        Assert.Equal(
            ["attempt A#1", "wait A 1920ms", "attempt A#2", "wait A 3840ms", "attempt A#3", "skip A ExhaustedRetries", "skip B CoolingDown", "finish Failed"],
            decisions.Select(Describe));
    }

    [Fact]
    public void Decide_OneRateLimitedOneFailed_FinishesFailed()
    {
        var driver = new SimulatedDriver(Policy())
            .Script("A", Outcome(ErrorClass.RateLimited, 429, retryAt: T0 + TimeSpan.FromSeconds(60)))
            .Script("B", Outcome(ErrorClass.NotFound, 404));
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]);

        var (decisions, _) = driver.Run(state);

        Assert.Equal(["attempt A#1", "skip A RateLimitedLong", "attempt B#1", "skip B PermanentFailure", "finish Failed"], decisions.Select(Describe));
    }

    [Fact]
    public void Decide_RateLimitedWithoutRetryAt_MovesOn()
    {
        var driver = new SimulatedDriver(Policy()).Script("A", Outcome(ErrorClass.RateLimited, 429));
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]);

        Assert.Equal(["attempt A#1", "skip A RateLimitedLong", "attempt B#1", "finish Succeeded"], driver.Run(state).Decisions.Select(Describe));
    }

    [Fact]
    public void Decide_BackoffWouldPassDeadline_SkipsInsteadOfScheduling()
    {
        // The attempt ends at T0+0.5 s; the 1.92 s backoff would end at T0+2.42 s, past the 2.2 s deadline.
        var driver = new SimulatedDriver(Policy()).Script("A", Outcome(ErrorClass.Transient, 503));
        var state = FailoverState.Start(Request(deadline: TimeSpan.FromMilliseconds(2_200)), [Candidate("A", 1), Candidate("B", 2)]);

        var (decisions, _) = driver.Run(state);

        Assert.Equal(["attempt A#1", "skip A RetryPastDeadline", "attempt B#1", "finish Succeeded"], decisions.Select(Describe));
        Assert.DoesNotContain(decisions, d => d is WaitThenRetry);
    }

    [Fact]
    public void Decide_DeadlinePassesDuringSecondProvider_FinishesDeadlineExceededWithReasons()
    {
        var driver = new SimulatedDriver(Policy()) { CallDuration = TimeSpan.FromSeconds(2) }
            .Script("A", Outcome(ErrorClass.Transient, 503))
            .Script("B", Outcome(ErrorClass.Unexpected, 418));
        var state = FailoverState.Start(Request(deadline: TimeSpan.FromSeconds(3)), [Candidate("A", 1), Candidate("B", 2), Candidate("C", 3)]);

        var (decisions, _) = driver.Run(state);

        Assert.Equal(["attempt A#1", "skip A RetryPastDeadline", "attempt B#1", "finish DeadlineExceeded"], decisions.Select(Describe));
        var finish = Assert.IsType<Finish>(decisions[^1]);
        Assert.Equal(3, finish.Reasons.Count);
        Assert.Equal("B/model attempt 1: Unexpected HTTP 418", finish.Reasons[2]);
    }

    [Fact]
    public void Decide_CircuitOpenedByStoreDuringRetries_SkipsInsteadOfWaiting()
    {
        var a = Candidate("A", 1);
        var state = FailoverState.Start(Request(), [a, Candidate("B", 2)])
            .Record(new AttemptProvider(a.Key, 1, false, [], false, 10, 10, TimeSpan.Zero), T0, T0, Outcome(ErrorClass.Transient, 503));
        state = state with { Candidates = [a with { Health = a.Health with { Circuit = CircuitState.Open, OpenUntil = T0.AddSeconds(30) } }, Candidate("B", 2)] };

        var decision = Policy().Decide(state, T0);

        var skip = Assert.IsType<SkipProvider>(decision);
        Assert.Equal((Key("A"), SkipKind.CircuitOpen, (DateTimeOffset?)T0.AddSeconds(30)), (skip.Key, skip.Kind, skip.Until));
    }

    [Fact]
    public void Decide_SingleAttemptAllowed_SkipsAfterFirstTransient()
    {
        var driver = new SimulatedDriver(Policy(maxAttempts: 1)).Script("A", Outcome(ErrorClass.Transient, 502));
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]);

        Assert.Equal(["attempt A#1", "skip A ExhaustedRetries", "attempt B#1", "finish Succeeded"], driver.Run(state).Decisions.Select(Describe));
    }
}
