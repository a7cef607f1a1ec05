using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

public class FailoverPolicyAvailabilityTests
{
    [Fact]
    public void Decide_EveryCandidateBlocked_FinishesAllCoolingDownWithEarliestUntil()
    {
        var cooling = Candidate("A", 1) with { Health = ProviderHealth.New(Key("A")) with { CooldownUntil = T0.AddSeconds(60), CooldownReason = "HTTP 429" } };
        var disabled = Candidate("B", 2) with { Health = ProviderHealth.New(Key("B")) with { DisabledUntil = T0.AddHours(24), DisabledReason = "HTTP 401" } };
        var open = Candidate("C", 3) with { Health = ProviderHealth.New(Key("C")) with { Circuit = CircuitState.Open, OpenUntil = T0.AddSeconds(30) } };
        var driver = new SimulatedDriver(Policy());

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [cooling, disabled, open]));

        Assert.Equal(["skip A CoolingDown", "skip B Disabled", "skip C CircuitOpen", "finish AllCoolingDown"], decisions.Select(Describe));
        var finish = Assert.IsType<Finish>(decisions[^1]);
        Assert.Equal(T0.AddSeconds(30), finish.RetryAt);
        Assert.Equal("A/model skipped (CoolingDown): HTTP 429", finish.Reasons[0]);
    }

    [Fact]
    public void Decide_ProbeAvailableCandidate_AttemptsAsProbe()
    {
        var halfOpen = Candidate("A", 1) with { Health = ProviderHealth.New(Key("A")) with { Circuit = CircuitState.HalfOpen } };

        var decision = Policy().Decide(FailoverState.Start(Request(), [halfOpen]), T0);

        var attempt = Assert.IsType<AttemptProvider>(decision);
        Assert.True(attempt.IsProbe);
        Assert.Equal(1, attempt.AttemptNumber);
    }

    [Fact]
    public void Decide_NeverSeenProvider_AttemptsAsProbe()
    {
        var unknown = Candidate("A", 1) with { Health = ProviderHealth.New(Key("A")) };

        var decision = Policy().Decide(FailoverState.Start(Request(), [unknown]), T0);

        var attempt = Assert.IsType<AttemptProvider>(decision);
        Assert.True(attempt.IsProbe);
        Assert.Equal(Key("A"), attempt.Key);
    }

    [Fact]
    public void Decide_KnownHealthyProvider_AttemptsWithoutProbe()
    {
        var decision = Policy().Decide(FailoverState.Start(Request(), [Candidate("A", 1)]), T0);

        Assert.False(Assert.IsType<AttemptProvider>(decision).IsProbe);
    }

    [Fact]
    public void Decide_ProbeLeaseLostAndHealthReRead_SkipsProbeInFlight()
    {
        var policy = Policy();
        var health = ProviderHealth.New(Key("A")) with { Circuit = CircuitState.HalfOpen };
        var state = FailoverState.Start(Request(), [Candidate("A", 1) with { Health = health }, Candidate("B", 2)]);
        Assert.True(Assert.IsType<AttemptProvider>(policy.Decide(state, T0)).IsProbe);

        // Another caller won the lease; the driver re-reads health and asks again.
        var reRead = state with { Candidates = [Candidate("A", 1) with { Health = health with { ProbeOwner = "other", ProbeLeaseUntil = T0.AddSeconds(20) } }, Candidate("B", 2)] };
        var skip = Assert.IsType<SkipProvider>(policy.Decide(reRead, T0));

        Assert.Equal((Key("A"), SkipKind.ProbeInFlight, (DateTimeOffset?)T0.AddSeconds(20)), (skip.Key, skip.Kind, skip.Until));
        Assert.Equal(Key("B"), Assert.IsType<AttemptProvider>(policy.Decide(reRead.Record(skip), T0)).Key);
    }

    [Theory]
    [InlineData(null, "A,B,C")]
    [InlineData("C", "C,A,B")]
    [InlineData("C|b", "C,B,A")]
    [InlineData("B/model|Unknown|A", "B,A,C")]
    public void Decide_ProviderHints_TryHintedProvidersFirstInGivenOrder(string? hints, string expectedOrder)
    {
        var failing = Outcome(ErrorClass.Unexpected, 418);
        var driver = new SimulatedDriver(Policy()).Script("A", failing).Script("B", failing).Script("C", failing);
        var request = Request(hints: hints?.Split('|'));

        var (decisions, _) = driver.Run(FailoverState.Start(request, [Candidate("B", 2), Candidate("C", 3), Candidate("A", 1)]));

        Assert.Equal(expectedOrder, string.Join(',', decisions.OfType<AttemptProvider>().Select(a => a.Key.Provider)));
        Assert.Equal(FinishKind.Failed, Assert.IsType<Finish>(decisions[^1]).Kind);
    }

    [Fact]
    public void Decide_EqualPriorities_KeepConfiguredOrder()
    {
        var failing = Outcome(ErrorClass.Unexpected, 418);
        var driver = new SimulatedDriver(Policy()).Script("Z", failing).Script("A", failing);

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [Candidate("Z", 5), Candidate("A", 5), Candidate("M", 5)]));

        Assert.Equal("Z,A,M", string.Join(',', decisions.OfType<AttemptProvider>().Select(a => a.Key.Provider)));
    }
}
