using LlmFunctions.Classification;
using LlmFunctions.Failover;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Routes;

public sealed class RouteSpreadingTests
{
    [Theory]
    [InlineData(null, "Alpha")]
    [InlineData(SpreadingStrategy.Priority, "Alpha")]
    [InlineData(SpreadingStrategy.QuotaAware, "Beta")]
    public void Decide_ARequestsOwnSpreading_RulesOverTheGlobalSetting(SpreadingStrategy? spreading, string first)
    {
        // Alpha comes first by priority but reported no requests left in a window that is still open.
        var alpha = Candidate("Alpha", 1) with { Health = Healthy(Key("Alpha")) with { Quota = new RateLimitQuota(0, T0.AddSeconds(30)) } };
        var beta = Candidate("Beta", 2) with { Health = Healthy(Key("Beta")) with { Quota = new RateLimitQuota(12, T0.AddSeconds(30)) } };
        var state = FailoverState.Start(Request() with { Spreading = spreading }, [alpha, beta]);

        var decision = Policy().Decide(state, T0);

        Assert.Equal(first, Assert.IsType<AttemptProvider>(decision).Key.Provider);
    }
}
