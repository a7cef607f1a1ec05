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
    public void RetryAt_FailedWithNoBlockedProvider_IsNull()
    {
        var state = FailoverState.Start(Request(), []);
        var finish = new Finish(FinishKind.Failed, "no providers", []);

        Assert.Null(FailoverRound.RetryAt(state, finish, T0, Recheck));
    }
}
