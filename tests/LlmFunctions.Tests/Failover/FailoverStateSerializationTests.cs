using System.Text.Json;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

/// <summary>The durable driver persists the state between queue steps, so it must survive JSON unchanged.</summary>
public class FailoverStateSerializationTests
{
    [Fact]
    public void Deserialize_PersistedMidRequestState_DecidesTheSameAsTheOriginal()
    {
        var policy = Policy();
        var state = FailoverState.Start(Request(hints: ["B"]), [Candidate("A", 1), Candidate("B", 2)]);
        var attempt = Assert.IsType<AttemptProvider>(policy.Decide(state, T0));
        state = state.Record(attempt, T0, T0.AddSeconds(1), Outcome(ErrorClass.Transient, 503));
        var wait = Assert.IsType<WaitThenRetry>(policy.Decide(state, T0.AddSeconds(1)));
        state = state.Record(wait);

        var json = JsonSerializer.Serialize(state);
        var restored = JsonSerializer.Deserialize<FailoverState>(json)!;

        Assert.Equal(state.History, restored.History);
        Assert.Equal(state.Candidates, restored.Candidates);
        Assert.Equal(state.Request.Messages, restored.Request.Messages);
        Assert.Equal(Describe(policy.Decide(state, wait.Until)), Describe(policy.Decide(restored, wait.Until)));
        Assert.Equal("attempt B#2", Describe(policy.Decide(restored, wait.Until)));
    }

    [Fact]
    public void Deserialize_FinishAsBaseType_KeepsKindAndDetails()
    {
        FailoverDecision finish = new Finish(FinishKind.AllCoolingDown, "later", ["A/model skipped (CoolingDown): HTTP 429"]) { RetryAt = T0.AddSeconds(30) };

        var restored = Assert.IsType<Finish>(JsonSerializer.Deserialize<FailoverDecision>(JsonSerializer.Serialize(finish)));

        Assert.Equal((FinishKind.AllCoolingDown, (DateTimeOffset?)T0.AddSeconds(30)), (restored.Kind, restored.RetryAt));
        Assert.Equal(["A/model skipped (CoolingDown): HTTP 429"], restored.Reasons);
    }
}
