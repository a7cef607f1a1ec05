using System.Diagnostics;
using System.Globalization;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Gateway;

/// <summary>
/// Failover against providers that hang, flap and answer 500 with a rate-limit body, on the simulator: Groq is tried
/// first and misbehaves, Cerebras (and SambaNova where named) serve.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class HangAndFlapTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private static readonly AttemptOutcome Success = new() { Class = ErrorClass.Success, HttpStatus = 200, Reason = "ok" };

    private static Dictionary<string, string?> Fleet(params string[] names)
    {
        var settings = BuiltInProviders.All.Where(b => !names.Contains(b.Name))
            .ToDictionary(b => $"{ProviderCatalog.SectionName}:{b.Name}:Enabled", _ => (string?)"false");
        for (var i = 0; i < names.Length; i++)
        {
            settings[$"{ProviderCatalog.SectionName}:{names[i]}:Priority"] = ((i + 1) * 10).ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    private static ProviderKey Key(GatewayHarness gateway, string provider) =>
        new(provider, gateway.Catalog.Find(provider)!.Models[0]);

    // Known and working before the test begins, so the first calls are not single-flight probes.
    private static async Task KnownGoodAsync(GatewayHarness gateway, params string[] providers)
    {
        foreach (var provider in providers)
        {
            await gateway.Cache.RecordAsync(Key(gateway, provider), Success);
        }
    }

    [Fact]
    public async Task RunAsync_32ConcurrentRequestsMeetAHangingProvider_AtMostFailureThresholdCallsAndAllServedElsewhere()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        const string scenario = """
            { "providers": [
              { "name": "Groq", "api": "openai", "faults": [ { "kind": "hang", "rate": 1, "ms": 600000 } ] },
              { "name": "Cerebras", "api": "openai", "latencyMs": { "fixed": 5 } } ] }
            """;
        await using var gateway = await GatewayHarness.StartWithScenarioAsync(azurite, scenario, Fleet("Groq", "Cerebras"), SimulatorClock.Real);
        await KnownGoodAsync(gateway, "Groq", "Cerebras");

        var runs = Enumerable.Range(0, 32).Select(i => Task.Run(() => gateway.RunAsync($"Request {i}", timeout.Token), timeout.Token)).ToList();
        long GroqCalls() => gateway.Simulator.Stats.For("Groq").Calls;
        await Eventually.WaitAsync(
            () => Task.FromResult(runs.Count(r => r.IsCompleted) + GroqCalls() == 32 && GroqCalls() > 0),
            TimeSpan.FromSeconds(30),
            () => $"every request served by Cerebras but those hanging on Groq ({runs.Count(r => r.IsCompleted)} done, {GroqCalls()} on Groq)");
        var hangingCalls = GroqCalls();

        // The hanging calls time out (30 s, fake), fail, open the circuit, and their requests go to Cerebras.
        gateway.Time.Advance(ProviderCatalog.DefaultTimeout);
        var steps = await Task.WhenAll(runs);

        var threshold = new HealthOptions().FailureThreshold;
        Assert.InRange(hangingCalls, 1, threshold);
        Assert.Equal(hangingCalls, gateway.Simulator.Stats.For("Groq").Calls);
        Assert.All(steps, s => Assert.Equal("Cerebras", s.Finish?.Winner?.Key.Provider));
        Assert.Contains(steps, s => s.State.History.OfType<SkipRecord>().Any(k => k.Kind == SkipKind.Suspect));
        var groqHealth = gateway.Cache.Find(Key(gateway, "Groq"))!;
        Assert.Equal(hangingCalls == threshold ? CircuitState.Open : CircuitState.Closed, groqHealth.Circuit);
    }

    [Fact]
    public async Task RunAsync_ProviderOpensWhileARequestWaitsOnASlowOne_TheRequestSkipsItWithoutACall()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        const string scenario = """
            { "providers": [
              { "name": "Groq", "api": "openai", "latencyMs": { "fixed": 600000 } },
              { "name": "Cerebras", "api": "openai", "latencyMs": { "fixed": 5 } },
              { "name": "SambaNova", "api": "openai", "latencyMs": { "fixed": 5 } } ] }
            """;
        var settings = Fleet("Groq", "Cerebras", "SambaNova");
        settings[$"{ProviderCatalog.SectionName}:Groq:TimeoutSeconds"] = "5";
        settings[$"{FailoverOptions.SectionName}:MaxAttemptsPerProvider"] = "1";

        // No cache: the other instance's write is read from the table at once.
        settings[$"{HealthOptions.SectionName}:CacheRefreshInterval"] = "00:00:00";
        await using var gateway = await GatewayHarness.StartWithScenarioAsync(azurite, scenario, settings, SimulatorClock.Real);
        await KnownGoodAsync(gateway, "Groq", "Cerebras", "SambaNova");

        var run = Task.Run(() => gateway.RunAsync("Waits on the slow one", timeout.Token), timeout.Token);
        await Eventually.WaitAsync(() => gateway.Simulator.Stats.For("Groq").Calls == 1, TestTimeout, "the request calling Groq");

        // Meanwhile another instance's calls open Cerebras's circuit (break 15 s, longer than Groq's 5 s timeout).
        var cerebras = Key(gateway, "Cerebras");
        for (var i = 0; i < new HealthOptions().FailureThreshold; i++)
        {
            await gateway.Health.RecordAsync(cerebras, new AttemptOutcome { Class = ErrorClass.Transient, HttpStatus = 503, Reason = "503" }, timeout.Token);
        }

        gateway.Time.Advance(TimeSpan.FromSeconds(5));
        var step = await run;

        Assert.Equal("SambaNova", step.Finish?.Winner?.Key.Provider);
        Assert.Equal(0, gateway.Simulator.Stats.For("Cerebras").Calls);
        var skip = Assert.Single(step.State.History.OfType<SkipRecord>(), s => s.Key == cerebras);
        Assert.Equal(SkipKind.CircuitOpen, skip.Kind);
    }

    [Fact]
    public async Task RunAsync_500WithARateLimitBody_CoolsTheProviderForTheShortStartNotAnHour()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        const string scenario = """
            { "providers": [
              { "name": "Groq", "api": "openai", "faults": [ { "kind": "rateLimitBody500", "rate": 1 } ] },
              { "name": "Cerebras", "api": "openai", "latencyMs": { "fixed": 5 } } ] }
            """;
        await using var gateway = await GatewayHarness.StartWithScenarioAsync(azurite, scenario, Fleet("Groq", "Cerebras"), SimulatorClock.Real);
        await KnownGoodAsync(gateway, "Groq", "Cerebras");
        var started = gateway.Time.GetUtcNow();

        var step = await gateway.RunAsync("Meets a 500 saying 429", timeout.Token);

        Assert.Equal("Cerebras", step.Finish?.Winner?.Key.Provider);
        var groq = (await gateway.Health.GetAsync(Key(gateway, "Groq"), timeout.Token))!;
        Assert.Equal(started + new HealthOptions().RateLimitCooldown, groq.CooldownUntil);
        Assert.Equal(TimeSpan.FromSeconds(30), groq.CooldownUntil - started);
        Assert.Equal(AvailabilityKind.ProbeAvailable, groq.AvailabilityAt(started.AddSeconds(31)).Kind);
    }

    [Fact]
    public async Task RunAsync_ProviderFlappingWith20SecondOutages_ServesAgainWithinOneShortBreakAfterEachOutage()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        const string scenario = """
            { "providers": [
              { "name": "Groq", "api": "openai", "flap": { "upSeconds": 40, "downSeconds": 20 } },
              { "name": "Cerebras", "api": "openai" } ] }
            """;
        var settings = Fleet("Groq", "Cerebras");
        settings[$"{FailoverOptions.SectionName}:MaxAttemptsPerProvider"] = "1";
        await using var gateway = await GatewayHarness.StartWithScenarioAsync(azurite, scenario, settings, SimulatorClock.GatewayFake);
        await KnownGoodAsync(gateway, "Groq", "Cerebras");
        var start = gateway.Time.GetUtcNow();

        // One request a second for three cycles (outages at 40-60 s, 100-120 s, 160-180 s).
        var groqServed = new List<double>();
        for (var second = 0; second < 200; second++)
        {
            var step = await gateway.RunAsync($"Request at {second} s", timeout.Token);
            Assert.Equal(FinishKind.Succeeded, step.Finish?.Kind);
            if (step.Finish!.Winner!.Key.Provider == "Groq")
            {
                groqServed.Add(second);
            }

            gateway.Time.Advance(start.AddSeconds(second + 1) - gateway.Time.GetUtcNow());
        }

        var shortBreak = new HealthOptions().BreakDuration.TotalSeconds;
        foreach (var outageEnd in new[] { 60.0, 120.0, 180.0 })
        {
            Assert.Contains(groqServed, t => t >= outageEnd && t <= outageEnd + shortBreak);
        }

        Assert.DoesNotContain(groqServed, t => t % 60 is >= 40 and < 60);
    }

    [Fact]
    public async Task RunAsync_200ConcurrentWithOneSaturatedAndOneIdleProvider_BothServeAndNoneWaitsPastTheDeadline()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        const string scenario = """
            { "providers": [
              { "name": "Groq", "api": "openai", "latencyMs": { "fixed": 1000 } },
              { "name": "Cerebras", "api": "openai", "latencyMs": { "fixed": 5 } } ] }
            """;
        var settings = Fleet("Groq", "Cerebras");
        settings[$"{ProviderCatalog.SectionName}:Groq:MaxConcurrency"] = "2";
        await using var gateway = await GatewayHarness.StartWithScenarioAsync(azurite, scenario, settings, SimulatorClock.RealForBoth);
        await KnownGoodAsync(gateway, "Groq", "Cerebras");
        var deadline = TimeSpan.FromSeconds(5);

        var runs = Enumerable.Range(0, 200).Select(i => Task.Run(
            async () =>
            {
                var watch = Stopwatch.StartNew();
                var request = new PromptRequest { Messages = [new ChatMessage("user", $"Request {i}")], Deadline = gateway.Clock.GetUtcNow() + deadline };
                var step = await gateway.RunAsync(request, timeout.Token);
                return (Step: step, Waited: watch.Elapsed);
            },
            timeout.Token));
        var results = await Task.WhenAll(runs);

        var winners = results.Where(r => r.Step.Finish?.Kind == FinishKind.Succeeded).GroupBy(r => r.Step.Finish!.Winner!.Key.Provider).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(200, winners.Values.Sum());
        Assert.True(winners.GetValueOrDefault("Groq") > 0, "the saturated provider served some");
        Assert.True(winners.GetValueOrDefault("Cerebras") > 0, "the idle provider served some");

        // A little scheduling slack on a shared 2-core machine; the saturated provider alone would take 100 s.
        Assert.All(results, r => Assert.True(r.Waited < deadline + TimeSpan.FromSeconds(1), $"waited {r.Waited}"));
    }
}
