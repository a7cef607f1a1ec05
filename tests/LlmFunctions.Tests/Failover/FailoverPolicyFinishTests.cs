using LlmFunctions.Classification;
using LlmFunctions.Failover;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

public class FailoverPolicyFinishTests
{
    [Fact]
    public void Decide_RejectedWithoutPayloadTooLarge_FinishesRejectedImmediately()
    {
        var driver = new SimulatedDriver(Policy())
            .Script("A", Outcome(ErrorClass.RequestRejected, 422, excerpt: "{\"error\":\"messages[0].role is invalid\"}"));

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]));

        Assert.Equal(["attempt A#1", "finish Rejected"], decisions.Select(Describe));
        var finish = Assert.IsType<Finish>(decisions[^1]);
        Assert.Equal(422, finish.HttpStatus);
        Assert.Equal("{\"error\":\"messages[0].role is invalid\"}", finish.BodyExcerpt);
        Assert.Equal("A/model rejected the request: HTTP 422", finish.Summary);
    }

    [Fact]
    public void Decide_PayloadTooLargeRejection_SkipsThatProviderAndContinues()
    {
        var driver = new SimulatedDriver(Policy()).Script("A", Outcome(ErrorClass.RequestRejected, 413, payloadTooLarge: true));

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]));

        Assert.Equal(["attempt A#1", "skip A PayloadTooLarge", "attempt B#1", "finish Succeeded"], decisions.Select(Describe));
    }

    [Fact]
    public void Decide_PayloadTooLargeEverywhere_FinishesPayloadTooLarge()
    {
        var tooLarge = Outcome(ErrorClass.RequestRejected, 413, payloadTooLarge: true);
        var driver = new SimulatedDriver(Policy()).Script("A", tooLarge).Script("B", tooLarge);

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]));

        Assert.Equal(FinishKind.PayloadTooLarge, Assert.IsType<Finish>(decisions[^1]).Kind);
    }

    [Fact]
    public void Decide_Cancelled_FinishesCancelledWithoutTryingOthers()
    {
        var driver = new SimulatedDriver(Policy()).Script("A", Outcome(ErrorClass.Cancelled));

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]));

        Assert.Equal(["attempt A#1", "finish Cancelled"], decisions.Select(Describe));
        Assert.Equal("cancelled by caller", Assert.IsType<Finish>(decisions[^1]).Summary);
    }

    [Fact]
    public void Decide_PermanentFailureWhileStoreLags_NeverRetriesThatProvider()
    {
        var driver = new SimulatedDriver(Policy()) { UpdateStore = false }
            .Script("A", Outcome(ErrorClass.AuthFailed, 401))
            .Script("B", Outcome(ErrorClass.Transient, 503), Outcome(ErrorClass.Transient, 503), Outcome(ErrorClass.Transient, 503));

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2)]));

        Assert.Equal(
            ["attempt A#1", "skip A PermanentFailure", "attempt B#1", "wait B 1920ms", "attempt B#2", "wait B 3840ms", "attempt B#3", "skip B ExhaustedRetries", "finish Failed"],
            decisions.Select(Describe));
    }

    [Fact]
    public void Decide_MixedFailures_FinishesFailedListingEveryAttemptAndSkip()
    {
        var driver = new SimulatedDriver(Policy(maxAttempts: 1))
            .Script("A", Outcome(ErrorClass.QuotaExhausted, 402))
            .Script("B", Outcome(ErrorClass.Unexpected, 418))
            .Script("C", Outcome(ErrorClass.Transient, 500));

        var (decisions, _) = driver.Run(FailoverState.Start(Request(), [Candidate("A", 1), Candidate("B", 2), Candidate("C", 3)]));

        var finish = Assert.IsType<Finish>(decisions[^1]);
        Assert.Equal(FinishKind.Failed, finish.Kind);
        Assert.Equal(
            [
                "A/model attempt 1: QuotaExhausted HTTP 402",
                "A/model skipped (PermanentFailure): QuotaExhausted: HTTP 402",
                "B/model attempt 1: Unexpected HTTP 418",
                "B/model skipped (UnexpectedError): Unexpected: HTTP 418",
                "C/model attempt 1: Transient HTTP 500",
                "C/model skipped (ExhaustedRetries): 1 attempt(s) failed; last: Transient HTTP 500",
            ],
            finish.Reasons);
    }

    [Fact]
    public void Decide_NoCandidates_FinishesFailed()
    {
        var finish = Assert.IsType<Finish>(Policy().Decide(FailoverState.Start(Request(), []), T0));

        Assert.Equal((FinishKind.Failed, "no providers are configured"), (finish.Kind, finish.Summary));
    }

    [Fact]
    public void Decide_AtDeadlineBeforeAnyAttempt_FinishesDeadlineExceeded()
    {
        var state = FailoverState.Start(Request(deadline: TimeSpan.FromSeconds(10)), [Candidate("A", 1)]);

        var finish = Assert.IsType<Finish>(Policy().Decide(state, T0.AddSeconds(10)));

        Assert.Equal(FinishKind.DeadlineExceeded, finish.Kind);
        Assert.Empty(finish.Reasons);
    }
}
