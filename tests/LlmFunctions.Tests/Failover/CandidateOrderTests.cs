using System.Globalization;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

public class CandidateOrderTests
{
    // Each candidate: name, priority, then optional key=value: w (weight), busy (calls in flight), left (requests left in
    // the reported window), reset (seconds from T0 to the window's reset), limit (requests per window).
    [Theory]
    [InlineData("priority", "A 2 busy=5 left=0 reset=30; B 1; C 3 left=29 reset=30", "B A C")]
    [InlineData("least-busy", "A 1 busy=3; B 2 busy=0; C 3 busy=1", "B C A")]
    [InlineData("least-busy", "A 1 busy=2; B 2 busy=2; C 3 busy=0", "C A B")]
    [InlineData("quota-aware", "A 1 left=2 reset=30; B 2 left=19 reset=30; C 3 left=9 reset=30", "B C A")]
    [InlineData("quota-aware", "A 1 left=0 reset=30; B 2; C 3 left=1 reset=30", "C B A")]
    [InlineData("quota-aware", "A 1 left=0 reset=50; B 2 left=0 reset=20; C 3", "C B A")]
    [InlineData("quota-aware", "A 1 left=0 reset=-1 limit=30; B 2 left=19 reset=30", "A B")]
    [InlineData("quota-aware", "A 1 left=0 reset=-1; B 2 left=5 reset=30", "B A")]
    [InlineData("quota-aware", "A 1 left=7 reset=30; B 2 left=7 reset=10", "B A")]
    [InlineData("quota-aware", "A 1 left=9 reset=30 tokens=0; B 2 left=1 reset=30", "B A")]
    [InlineData("quota-aware", "A 1; B 2; C 3", "A B C")]
    [InlineData("quota-aware", "A 1 left=5 reset=30 busy=4; B 2 left=3 reset=30", "B A")] // its calls in flight will use 4 of A's 5
    [InlineData("quota-aware", "A 1 left=2 reset=30 busy=2; B 2", "B A")] // all that is left is in flight: as good as none
    public void Order_Strategy_OrdersCandidatesAsTheTableSays(string strategy, string candidates, string expected)
    {
        var order = CandidateOrder.Order(Parse(candidates), [], CandidateOrder.Parse(strategy)!.Value, T0, () => throw new InvalidOperationException("no randomness"));

        Assert.Equal(expected, string.Join(' ', order.Select(c => c.Key.Provider)));
    }

    [Theory]
    [InlineData("priority")]
    [InlineData("least-busy")]
    [InlineData("quota-aware")]
    [InlineData("weighted")]
    public void Order_ProviderHint_ComesFirstWhateverTheStrategy(string strategy)
    {
        var candidates = Parse("A 1 busy=0 left=30 reset=30 w=100; B 2 busy=9 left=0 reset=30 w=0.001; C 3");

        var order = CandidateOrder.Order(candidates, ["B"], CandidateOrder.Parse(strategy)!.Value, T0, () => 0.5);

        Assert.Equal("B", order[0].Key.Provider);
    }

    [Theory]
    [InlineData(new[] { 0.5, 0.5, 0.5 }, "B C A")] // equal draws: the heaviest weight first
    [InlineData(new[] { 0.0, 0.99, 0.99 }, "A B C")] // a lucky draw puts the light one first
    [InlineData(new[] { 0.99, 0.5, 0.9 }, "B C A")]
    public void Order_Weighted_DrawsOncePerCandidateAndIsDeterministicGivenTheDraws(double[] draws, string expected)
    {
        var candidates = Parse("A 1 w=1; B 2 w=3; C 3 w=2");
        var next = 0;

        var order = CandidateOrder.Order(candidates, [], SpreadingStrategy.Weighted, T0, () => draws[next++]);

        Assert.Equal(expected, string.Join(' ', order.Select(c => c.Key.Provider)));
        Assert.Equal(3, next);
    }

    [Fact]
    public void Order_WeightedOverManyDraws_FirstPlacesFollowTheWeights()
    {
        var candidates = Parse("A 1 w=1; B 2 w=3");
        var random = new Random(7);
        var first = Enumerable.Range(0, 4000)
            .Count(_ => CandidateOrder.Order(candidates, [], SpreadingStrategy.Weighted, T0, random.NextDouble)[0].Key.Provider == "B");

        Assert.InRange(first / 4000.0, 0.72, 0.78);
    }

    [Fact]
    public void Decide_QuotaAwareFirstChoiceCoolingDown_SkipsItThenAttemptsTheNext()
    {
        // B reports the most requests left, but a cooldown (from another instance's 429) rules over the spreading.
        var candidates = Parse("A 1 left=3 reset=30; B 2 left=19 reset=30").ToList();
        candidates[1] = candidates[1] with { Health = candidates[1].Health with { CooldownUntil = T0.AddSeconds(20), CooldownReason = "HTTP 429" } };
        var policy = new FailoverPolicy(new FailoverOptions { Spreading = "quota-aware" }, Pinned);

        var (decisions, _) = new SimulatedDriver(policy).Run(FailoverState.Start(Request(), candidates));

        Assert.Equal(["skip B CoolingDown", "attempt A#1", "finish Succeeded"], decisions.Select(Describe));
    }

    [Fact]
    public void Decide_LeastBusyFirstChoiceProbeInFlight_SkipsItThenAttemptsTheNext()
    {
        var candidates = Parse("A 1 busy=4; B 2 busy=0").ToList();
        candidates[1] = candidates[1] with { Health = ProviderHealth.New(Key("B")) with { Circuit = CircuitState.HalfOpen, ProbeOwner = "other", ProbeLeaseUntil = T0.AddSeconds(30) } };
        var policy = new FailoverPolicy(new FailoverOptions { Spreading = "least-busy" }, Pinned);

        var (decisions, _) = new SimulatedDriver(policy).Run(FailoverState.Start(Request(), candidates));

        Assert.Equal(["skip B ProbeInFlight", "attempt A#1", "finish Succeeded"], decisions.Select(Describe));
    }

    [Theory]
    [InlineData("priority", SpreadingStrategy.Priority)]
    [InlineData("Quota-Aware", SpreadingStrategy.QuotaAware)]
    [InlineData(" least-busy ", SpreadingStrategy.LeastBusy)]
    [InlineData("weighted", SpreadingStrategy.Weighted)]
    [InlineData("round-robin", null)]
    [InlineData("", null)]
    public void Parse_SettingValue_NamesTheStrategyOrNothing(string value, SpreadingStrategy? expected) =>
        Assert.Equal(expected, CandidateOrder.Parse(value));

    private static List<Candidate> Parse(string table) =>
    [
        .. table.Split(';', StringSplitOptions.TrimEntries).Select(row =>
        {
            var parts = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = parts.Skip(2).Select(p => p.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
            double? Get(string name) => values.TryGetValue(name, out var v) ? v : null;
            var candidate = Candidate(parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture)) with
            {
                Weight = Get("w") ?? 1,
                InFlight = (int)(Get("busy") ?? 0),
            };
            if (Get("left") is null && Get("tokens") is null)
            {
                return candidate;
            }

            var reset = Get("reset") is { } seconds ? T0.AddSeconds(seconds) : (DateTimeOffset?)null;
            var quota = new RateLimitQuota((int?)Get("left"), reset, (long?)Get("tokens"), Get("tokens") is null ? null : reset, (int?)Get("limit"));
            return candidate with { Health = candidate.Health with { Quota = quota } };
        }),
    ];
}
