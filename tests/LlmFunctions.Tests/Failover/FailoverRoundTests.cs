using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

public class FailoverRoundTests
{
    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(250);

    [Fact]
    public void RetryAt_OnlyProviderProbedByAnotherHost_LooksAgainSoonAndTheNextRoundAttemptsIt()
    {
        var probed = Healthy(Key("A")) with { Circuit = CircuitState.HalfOpen, ProbeOwner = "other-host", ProbeLeaseUntil = T0.AddMinutes(2) };
        var state = FailoverState.Start(Request(), [Candidate("A", 1, health: probed)]);
        var policy = Policy();
        var skip = Assert.IsType<SkipProvider>(policy.Decide(state, T0));
        state = state.Record(skip);
        var finish = Assert.IsType<Finish>(policy.Decide(state, T0));
        Assert.Equal(FinishKind.AllCoolingDown, finish.Kind);

        Assert.Equal(T0 + Recheck, FailoverRound.RetryAt(state, finish, T0, Recheck));

        var next = FailoverRound.Next(state);
        next = next with { Candidates = [Candidate("A", 1, health: Healthy(Key("A")))] };
        Assert.Equal("attempt A#1", Describe(policy.Decide(next, T0 + Recheck)));
    }

    [Fact]
    public void RetryAt_CooldownEndingBeforeTheDeadline_IsTheCooldownsEnd()
    {
        var cooling = Healthy(Key("A")) with { CooldownUntil = T0.AddSeconds(20), CooldownReason = "HTTP 429" };
        var state = FailoverState.Start(Request(), [Candidate("A", 1, health: cooling)]);
        state = state.Record(Assert.IsType<SkipProvider>(Policy().Decide(state, T0)));
        var finish = Assert.IsType<Finish>(Policy().Decide(state, T0));

        Assert.Equal(T0.AddSeconds(20), FailoverRound.RetryAt(state, finish, T0, Recheck));
    }

    [Fact]
    public void RetryAt_BlockEndingAfterTheDeadline_IsNull()
    {
        var cooling = Healthy(Key("A")) with { CooldownUntil = T0.AddHours(1), CooldownReason = "HTTP 429" };
        var state = FailoverState.Start(Request(), [Candidate("A", 1, health: cooling)]);
        state = state.Record(Assert.IsType<SkipProvider>(Policy().Decide(state, T0)));
        var finish = Assert.IsType<Finish>(Policy().Decide(state, T0));

        Assert.True(state.Request.Deadline < T0.AddHours(1));
        Assert.Null(FailoverRound.RetryAt(state, finish, T0, Recheck));
    }

    [Fact]
    public void RetryAt_OneProviderFailedAndTheOtherProbedElsewhere_NextRoundTriesOnlyTheProbedOne()
    {
        var policy = Policy(maxAttempts: 1);
        var probed = Healthy(Key("B")) with { ProbeOwner = "other-host", ProbeLeaseUntil = T0.AddMinutes(2), SuccessCount = 0 };
        var state = FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2, health: probed)]);
        var attempt = Assert.IsType<AttemptProvider>(policy.Decide(state, T0));
        state = state.Record(attempt, T0, T0, Outcome(ErrorClass.Transient, 503));
        state = state.Record(Assert.IsType<SkipProvider>(policy.Decide(state, T0)));
        state = state.Record(Assert.IsType<SkipProvider>(policy.Decide(state, T0)));
        var finish = Assert.IsType<Finish>(policy.Decide(state, T0));
        Assert.Equal(FinishKind.Failed, finish.Kind);

        Assert.Equal(T0 + Recheck, FailoverRound.RetryAt(state, finish, T0, Recheck));

        var next = FailoverRound.Next(state);
        Assert.Equal(2, next.History.Count);
        next = next with { Candidates = [Candidate("A", 1), Candidate("B", 2)] };
        Assert.Equal("attempt B#1", Describe(policy.Decide(next, T0 + Recheck)));
    }

    [Fact]
    public void RetryAt_OnlyProviderAnswered429ForAMinute_WaitsForItThenTheNextRoundAttemptsItAgain()
    {
        var policy = Policy();
        var state = FailoverState.Start(Request(), [Candidate("A", 1)]);
        var attempt = Assert.IsType<AttemptProvider>(policy.Decide(state, T0));
        state = state.Record(attempt, T0, T0, Outcome(ErrorClass.RateLimited, 429, retryAt: T0.AddSeconds(60)));
        var skip = Assert.IsType<SkipProvider>(policy.Decide(state, T0));
        state = state.Record(skip);
        var finish = Assert.IsType<Finish>(policy.Decide(state, T0));

        Assert.Equal(SkipKind.RateLimitedLong, skip.Kind);
        Assert.Equal(FinishKind.AllCoolingDown, finish.Kind);
        Assert.Equal(T0.AddSeconds(60), FailoverRound.RetryAt(state, finish, T0, Recheck));

        var next = FailoverRound.Next(state);
        Assert.Equal("attempt A#2", Describe(policy.Decide(next, T0.AddSeconds(60))));
    }

    [Fact]
    public void Next_RateLimitedProviderOutOfAttempts_StaysClosed()
    {
        var policy = Policy(maxAttempts: 2);
        var state = FailoverState.Start(Request(), [Candidate("A", 1)]);
        for (var round = 0; round < 2; round++)
        {
            var at = T0.AddSeconds(60 * round);
            var attempt = Assert.IsType<AttemptProvider>(policy.Decide(state, at));
            Assert.Equal(round + 1, attempt.AttemptNumber);
            state = state.Record(attempt, at, at, Outcome(ErrorClass.RateLimited, 429, retryAt: at.AddSeconds(30)));
            state = state.Record(Assert.IsType<SkipProvider>(policy.Decide(state, at)));
            Assert.IsType<Finish>(policy.Decide(state, at));
            state = FailoverRound.Next(state);
        }

        // Its last 429 is the newest entry, so the policy looks at it again: no attempts left.
        var exhausted = Assert.IsType<SkipProvider>(policy.Decide(state, T0.AddSeconds(100)));
        var last = Assert.IsType<Finish>(policy.Decide(state.Record(exhausted), T0.AddSeconds(100)));
        Assert.Equal(SkipKind.ExhaustedRetries, exhausted.Kind);
        Assert.Equal(FinishKind.Failed, last.Kind);
        Assert.Equal(2, state.History.OfType<AttemptRecord>().Count());
    }

    [Fact]
    public void Next_ProviderDisabledPastTheDeadlineThenEnabledWhileTheRequestWaited_IsAttempted()
    {
        // A waits out a 30 s cooldown; B is disabled for an hour, past the deadline, and enabled during the wait.
        var policy = Policy();
        var cooling = Healthy(Key("A")) with { CooldownUntil = T0.AddSeconds(30), CooldownReason = "HTTP 429" };
        var disabled = Healthy(Key("B")) with { DisabledUntil = T0.AddHours(1), DisabledReason = "disabled by an operator" };
        var state = FailoverState.Start(Request(), [Candidate("A", 1, health: cooling), Candidate("B", 2, health: disabled)]);
        state = state.Record(Assert.IsType<SkipProvider>(policy.Decide(state, T0)));
        state = state.Record(Assert.IsType<SkipProvider>(policy.Decide(state, T0)));
        var finish = Assert.IsType<Finish>(policy.Decide(state, T0));
        Assert.Equal(T0.AddSeconds(30), FailoverRound.RetryAt(state, finish, T0, Recheck));

        var next = FailoverRound.Next(state) with { Candidates = [Candidate("A", 1, health: cooling with { CooldownUntil = T0.AddSeconds(60) }), Candidate("B", 2)] };
        next = next.Record(Assert.IsType<SkipProvider>(policy.Decide(next, T0.AddSeconds(30))));

        Assert.Equal("attempt B#1", Describe(policy.Decide(next, T0.AddSeconds(30))));
    }

    [Fact]
    public void RetryAt_FailedWithNoBlockedProvider_IsNull()
    {
        var state = FailoverState.Start(Request(), []);
        var finish = new Finish(FinishKind.Failed, "no providers", []);

        Assert.Null(FailoverRound.RetryAt(state, finish, T0, Recheck));
    }
}
