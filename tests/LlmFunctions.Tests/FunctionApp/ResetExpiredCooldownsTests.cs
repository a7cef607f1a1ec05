extern alias FunctionApp;

using Azure.Data.Tables;
using System.Threading.Channels;
using Azure.Storage.Blobs;
using LlmFunctions.Classification;
using FunctionApp::LlmFunctions.FunctionApp.Functions;
using FunctionApp::LlmFunctions.FunctionApp.Functions.Timers;
using LlmFunctions.Health;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.FunctionApp;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ResetExpiredCooldownsTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);
    private static readonly ProviderKey Groq = new("Groq", "llama-3.1-8b-instant");
    private static readonly ProviderKey Cerebras = new("Cerebras", "llama3.1-8b");
    private static readonly ProviderKey Mistral = new("Mistral", "mistral-small-latest");
    private static readonly ProviderKey Gemini = new("Gemini", "gemini-2.0-flash");
    private static readonly ProviderKey OpenRouter = new("OpenRouter", "meta-llama/llama-3.1-8b-instruct:free");

    private readonly string _table = AzuriteFixture.UniqueTableName();
    private readonly string _lockName = "ResetExpiredCooldowns-" + Guid.NewGuid().ToString("N");
    private readonly FakeTimeProvider _time = new(Start);

    /// <summary>One gateway host: its own table and blob clients on the shared account and clock.</summary>
    private ProviderHealthStore NewStore() =>
        new(
            new TableServiceClient(azurite.ConnectionString),
            Options.Create(new HealthOptions { TableName = _table }),
            _time,
            NullLogger<ProviderHealthStore>.Instance,
            () => 0,
            ProviderHealthStore.DefaultMaxAttempts);

    private BlobSingleton NewSingleton() =>
        new(new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(BlobSingleton.ContainerName), _lockName);

    private static AttemptOutcome RateLimited(DateTimeOffset? retryAt) =>
        new() { Class = ErrorClass.RateLimited, HttpStatus = 429, Reason = "HTTP 429 Too Many Requests", RetryAt = retryAt };

    private static AttemptOutcome Transient() => new() { Class = ErrorClass.Transient, HttpStatus = 503, Reason = "HTTP 503 Service Unavailable" };

    [Fact]
    public async Task RunAsync_AfterGatesExpire_HalfOpensThemAndKeepsUnexpiredOnes()
    {
        var store = NewStore();
        await store.DisableAsync(Groq, Start.AddMinutes(10), "operator");
        await store.RecordAsync(Cerebras, RateLimited(Start.AddMinutes(2)));
        for (var i = 0; i < 5; i++)
        {
            await store.RecordAsync(Mistral, Transient());
        }

        await store.DisableAsync(Gemini, Start.AddHours(2), "operator");
        await store.RecordAsync(OpenRouter, RateLimited(retryAt: null)); // default cooldown: 1 hour
        var log = new CapturingLogger<ResetExpiredCooldowns>();
        var function = new ResetExpiredCooldowns(NewStore(), log);

        Assert.Equal(0, await function.RunAsync(CancellationToken.None));

        _time.Advance(TimeSpan.FromMinutes(10));
        var lifted = await function.RunAsync(CancellationToken.None);

        Assert.Equal(3, lifted);
        foreach (var key in new[] { Groq, Cerebras, Mistral })
        {
            var health = await store.GetAsync(key);
            Assert.Equal(CircuitState.HalfOpen, health.Circuit);
            Assert.Null(health.DisabledUntil);
            Assert.Null(health.CooldownUntil);
            Assert.Null(health.OpenUntil);
            Assert.Equal(AvailabilityKind.ProbeAvailable, health.AvailabilityAt(_time.GetUtcNow()).Kind);
        }

        Assert.Equal(AvailabilityKind.Disabled, (await store.GetAsync(Gemini)).AvailabilityAt(_time.GetUtcNow()).Kind);
        Assert.Equal(Start.AddHours(2), (await store.GetAsync(Gemini)).DisabledUntil);
        Assert.Equal(Start.AddHours(1), (await store.GetAsync(OpenRouter)).CooldownUntil);
        Assert.Equal(3, log.Entries.Count(e => e.EventId.Id == 5101));
        Assert.Contains(log.Entries, e => e.Message.Contains("Mistral/mistral-small-latest", StringComparison.Ordinal) && e.Message.Contains("Open -> HalfOpen", StringComparison.Ordinal));
        Assert.Equal(0, await function.RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task TwoHosts_SameOccurrenceConcurrently_ExactlyOneRunsTheFunction()
    {
        await NewStore().DisableAsync(Groq, Start.AddMinutes(1), "operator");
        _time.Advance(TimeSpan.FromMinutes(1));
        var runs = 0;
        var lifted = new int[2];
        var hosts = Enumerable.Range(0, 2).Select(i =>
        {
            var function = new ResetExpiredCooldowns(NewStore(), NullLogger<ResetExpiredCooldowns>.Instance);
            return (Singleton: NewSingleton(), Run: (Func<CancellationToken, Task>)(async ct =>
            {
                Interlocked.Increment(ref runs);
                lifted[i] = await function.RunAsync(ct);
            }));
        }).ToArray();
        var occurrence = Start.AddMinutes(1);

        var outcomes = await Task.WhenAll(hosts.Select(h => Task.Run(() => h.Singleton.TryRunAsync(occurrence, h.Run, CancellationToken.None))));

        Assert.Equal(1, runs);
        Assert.Single(outcomes, o => o == SingletonOutcome.Ran);
        Assert.Single(outcomes, o => o is SingletonOutcome.LeaseHeld or SingletonOutcome.AlreadyRan);
        Assert.Equal(1, lifted.Sum());
        Assert.Equal(CircuitState.HalfOpen, (await NewStore().GetAsync(Groq)).Circuit);
    }

    [Fact]
    public async Task TryRunAsync_WhileAnotherHostHoldsTheLease_SkipsThenSkipsTheSameOccurrenceThenRunsTheNext()
    {
        var a = NewSingleton();
        var b = NewSingleton();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bRuns = 0;
        Task CountB(CancellationToken ct)
        {
            bRuns++;
            return Task.CompletedTask;
        }

        var first = Start.AddMinutes(1);
        var running = a.TryRunAsync(first, async _ => { entered.SetResult(); await release.Task; }, CancellationToken.None);
        await entered.Task.WaitAsync(WaitLimit);

        Assert.Equal(SingletonOutcome.LeaseHeld, await b.TryRunAsync(first, CountB, CancellationToken.None));
        release.SetResult();
        Assert.Equal(SingletonOutcome.Ran, await running.WaitAsync(WaitLimit));
        Assert.Equal(SingletonOutcome.AlreadyRan, await b.TryRunAsync(first, CountB, CancellationToken.None));
        Assert.Equal(0, bRuns);
        Assert.Equal(SingletonOutcome.Ran, await b.TryRunAsync(first.AddMinutes(1), CountB, CancellationToken.None));
        Assert.Equal(1, bRuns);
    }

    [Fact]
    public async Task Loop_AfterAdvancePastTheOccurrence_RunsOnceAndSurvivesAFailedRun()
    {
        var time = new SignallingTimeProvider(Start.AddSeconds(30));
        var occurrences = Channel.CreateUnbounded<DateTimeOffset>();
        var calls = 0;
        Task Run(CancellationToken ct)
        {
            occurrences.Writer.TryWrite(time.GetUtcNow());
            return ++calls == 1 ? throw new InvalidOperationException("boom") : Task.CompletedTask;
        }

        var log = new CapturingLogger<TimerTriggerService>();
        using var service = new TimerTriggerService(
            ResetExpiredCooldowns.Name,
            TimerSchedule.Parse(ResetExpiredCooldowns.ScheduleSetting, "0 */1 * * * *"),
            NewSingleton(),
            Run,
            time,
            log);

        await service.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(TimeSpan.FromSeconds(30), await time.WaitForTimerAsync(WaitLimit));
            time.Advance(TimeSpan.FromSeconds(29));
            Assert.False(occurrences.Reader.TryRead(out _));
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(Start.AddMinutes(1), await occurrences.Reader.ReadAsync().AsTask().WaitAsync(WaitLimit));

            Assert.Equal(TimeSpan.FromMinutes(1), await time.WaitForTimerAsync(WaitLimit)); // the loop survived the failure and waits for 12:02
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(Start.AddMinutes(2), await occurrences.Reader.ReadAsync().AsTask().WaitAsync(WaitLimit));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        Assert.Equal(2, calls);
        Assert.Contains(log.Entries, e => e.EventId.Id == 5003 && e.Level == LogLevel.Error);
    }

    /// <summary>A fake clock that tells the test when the loop has started waiting, so it advances neither too early nor by sleeping.</summary>
    private sealed class SignallingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timers.Writer.TryWrite(dueTime);
            return timer;
        }

        public async Task<TimeSpan> WaitForTimerAsync(TimeSpan limit) => await _timers.Reader.ReadAsync().AsTask().WaitAsync(limit);
    }
}
