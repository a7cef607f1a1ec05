using LlmFunctions.Classification;
using LlmFunctions.Failover;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

/// <summary>Providers deferred as suspect of hanging or busy go to the end of the order and come back as the last resort.</summary>
public sealed class FailoverPolicyDeferralTests
{
    private static FailoverState Start() =>
        FailoverState.Start(Request(), [Candidate("Groq", 10), Candidate("Cerebras", 20)]);

    [Fact]
    public void Decide_FirstProviderSuspect_TriesTheNextOneFirstWithoutLastResort()
    {
        var state = Start().Record(new SkipProvider(Key("Groq"), "suspect", SkipKind.Suspect));

        var decision = Assert.IsType<AttemptProvider>(Policy().Decide(state, T0));

        Assert.Equal("Cerebras", decision.Key.Provider);
        Assert.False(decision.LastResort);
    }

    [Fact]
    public void Decide_NextProviderFailed_ComesBackToTheSuspectAsTheLastResort()
    {
        var state = Start().Record(new SkipProvider(Key("Groq"), "suspect", SkipKind.Suspect));
        var cerebras = Assert.IsType<AttemptProvider>(Policy(maxAttempts: 1).Decide(state, T0));
        state = state.Record(cerebras, T0, T0, Outcome(ErrorClass.Transient, 503));
        state = state.Record(Assert.IsType<SkipProvider>(Policy(maxAttempts: 1).Decide(state, T0)));

        var decision = Assert.IsType<AttemptProvider>(Policy(maxAttempts: 1).Decide(state, T0));

        Assert.Equal("Groq", decision.Key.Provider);
        Assert.True(decision.LastResort);
    }

    [Fact]
    public void Decide_BothDeferred_TheOneThatAnsweredMostRecentlyIsTheLastResort()
    {
        var state = Start()
            .Record(new SkipProvider(Key("Groq"), "suspect", SkipKind.Suspect, T0.AddMinutes(-10)))
            .Record(new SkipProvider(Key("Cerebras"), "busy", SkipKind.Busy, T0.AddSeconds(-1)));

        var decision = Assert.IsType<AttemptProvider>(Policy().Decide(state, T0));

        Assert.Equal("Cerebras", decision.Key.Provider);
        Assert.True(decision.LastResort);
    }

    [Fact]
    public void Decide_DeferredTwice_TheProviderIsDoneAndTheRequestConcludes()
    {
        var state = FailoverState.Start(Request(), [Candidate("Groq", 10)])
            .Record(new SkipProvider(Key("Groq"), "busy", SkipKind.Busy))
            .Record(new SkipProvider(Key("Groq"), "busy", SkipKind.Busy));

        var decision = Assert.IsType<Finish>(Policy().Decide(state, T0));

        Assert.Equal(FinishKind.Failed, decision.Kind);
    }
}
