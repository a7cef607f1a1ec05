extern alias StandaloneHost;

using Azure.Storage;
using Azure.Storage.Blobs;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StandaloneHost::LlmFunctions.StandaloneHost.Functions;
using StandaloneHost::LlmFunctions.StandaloneHost.Timers;

namespace LlmFunctions.Tests.StandaloneHost.Timers;

[Collection(AzuriteCollectionDefinition.Name)]
public sealed class TimerFunctionsTests(AzuriteFixture azurite) : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(15);

    private readonly SignallingTimeProvider _time = new(Start.AddSeconds(30));
    private readonly TimerRuns _runs = new();
    private readonly string _hostId = "t" + Guid.NewGuid().ToString("N")[..20];
    private readonly List<(ServiceProvider Services, IHostedService[] Hosted)> _hosts = [];

    private IConfiguration Settings(string schedule = "0 */1 * * * *") => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Test:Schedule"] = schedule,
            [TimerFunctionsServiceCollectionExtensions.HostIdSetting] = _hostId,
        })
        .Build();

    /// <summary>One host: its own services and Blob client on the shared account, clock and run log.</summary>
    private async Task<CapturingLogger<TimerFunctionService>> StartHostAsync(string name, Type functions, BlobServiceClient? blobs = null, TimeProvider? time = null)
    {
        var log = new CapturingLogger<TimerFunctionService>();
        var services = new ServiceCollection()
            .AddSingleton(time ?? _time)
            .AddSingleton(_runs)
            .AddSingleton(new HostName(name))
            .AddSingleton(blobs ?? new BlobServiceClient(azurite.ConnectionString))
            .AddSingleton<ILogger<TimerFunctionService>>(log)
            .AddTimerFunctions(Settings(), FunctionCatalog.FromTypes([functions]))
            .BuildServiceProvider();
        var hosted = services.GetServices<IHostedService>().ToArray();
        _hosts.Add((services, hosted));
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        return log;
    }

    private async Task StopHostsAsync()
    {
        foreach (var (services, hosted) in _hosts)
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }

            await services.DisposeAsync();
        }

        _hosts.Clear();
    }

    public async ValueTask DisposeAsync() => await StopHostsAsync();

    [Fact]
    public async Task OneHost_OnFakeTime_RunsAtEachOccurrenceWithItsScheduleStatus_AndSurvivesAFailedRun()
    {
        var log = await StartHostAsync("A", typeof(ScheduledTimer));
        Assert.Equal([TimeSpan.FromSeconds(30)], await _time.WaitForWaitsAsync(1, WaitLimit));

        _runs.FailNextRun();
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(_runs.All);
        _time.Advance(TimeSpan.FromSeconds(1));
        var first = await _runs.NextAsync(WaitLimit);

        Assert.Equal([TimeSpan.FromMinutes(1)], await _time.WaitForWaitsAsync(1, WaitLimit)); // the loop survived the failure
        Assert.Contains(log.Entries, e => e.EventId.Id == 5003 && e.Level == LogLevel.Error && e.Message.Contains(nameof(ScheduledTimer), StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await _runs.NextAsync(WaitLimit);

        Assert.False(first.Info.IsPastDue);
        Assert.True(first.TokenCanBeCanceled);
        Assert.Equal(Start.AddMinutes(1).UtcDateTime, first.Info.ScheduleStatus!.Next);
        Assert.Equal(default, first.Info.ScheduleStatus.Last);
        Assert.Equal(Start.AddMinutes(2).UtcDateTime, second.Info.ScheduleStatus!.Next);
        Assert.Equal(Start.AddMinutes(1).UtcDateTime, second.Info.ScheduleStatus.Last); // a failed run still moves the status on, as in Functions
    }

    [Fact]
    public async Task TwoHosts_OneStorageAccount_WakingTogether_RunEachOccurrenceOnce()
    {
        await StartHostAsync("A", typeof(ScheduledTimer));
        await StartHostAsync("B", typeof(ScheduledTimer));
        Assert.All(await _time.WaitForWaitsAsync(2, WaitLimit), w => Assert.Equal(TimeSpan.FromSeconds(30), w));

        for (var minute = 1; minute <= 3; minute++)
        {
            _time.Advance(minute == 1 ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(1));

            // Both hosts have finished with the occurrence once both wait for the next one.
            Assert.All(await _time.WaitForWaitsAsync(2, WaitLimit), w => Assert.Equal(TimeSpan.FromMinutes(1), w));
            Assert.Equal(minute, _runs.All.Count);
        }

        Assert.Equal(
            [Start.AddMinutes(1).UtcDateTime, Start.AddMinutes(2).UtcDateTime, Start.AddMinutes(3).UtcDateTime],
            _runs.All.Select(r => r.Info.ScheduleStatus!.Next));
    }

    [Fact]
    public async Task TwoHosts_OneStorageAccount_OneWakingAfterTheOtherRan_RunEachOccurrenceOnce()
    {
        var laterClock = new SignallingTimeProvider(Start.AddSeconds(30));
        await StartHostAsync("A", typeof(ScheduledTimer));
        await StartHostAsync("B", typeof(ScheduledTimer), time: laterClock);
        await _time.WaitForWaitsAsync(1, WaitLimit);
        await laterClock.WaitForWaitsAsync(1, WaitLimit);

        for (var minute = 1; minute <= 2; minute++)
        {
            var step = minute == 1 ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(1);
            _time.Advance(step);
            await _time.WaitForWaitsAsync(1, WaitLimit);
            laterClock.Advance(step); // B's timer fires once A has run and released the lease
            await laterClock.WaitForWaitsAsync(1, WaitLimit);

            Assert.Equal(minute, _runs.All.Count);
        }

        Assert.All(_runs.All, r => Assert.Equal("A", r.Host));
    }

    [Fact]
    public async Task MissedOccurrence_WhileNoHostRan_RunsAtStartAsPastDue()
    {
        await StartHostAsync("A", typeof(ScheduledTimer));
        await _time.WaitForWaitsAsync(1, WaitLimit);
        _time.Advance(TimeSpan.FromSeconds(30));
        await _runs.NextAsync(WaitLimit);
        await _time.WaitForWaitsAsync(1, WaitLimit);
        await StopHostsAsync();

        _time.Advance(TimeSpan.FromMinutes(5)); // 12:06:00, the 12:02 to 12:06 occurrences missed
        await StartHostAsync("B", typeof(ScheduledTimer));
        var caughtUp = await _runs.NextAsync(WaitLimit);

        Assert.Equal("B", caughtUp.Host);
        Assert.True(caughtUp.Info.IsPastDue);
        Assert.Equal(Start.AddMinutes(2).UtcDateTime, caughtUp.Info.ScheduleStatus!.Next);
        Assert.Equal(Start.AddMinutes(1).UtcDateTime, caughtUp.Info.ScheduleStatus.Last);
        Assert.Equal([TimeSpan.FromMinutes(1)], await _time.WaitForWaitsAsync(1, WaitLimit)); // then back on schedule: 12:07
        Assert.Equal(2, _runs.All.Count);
    }

    [Fact]
    public async Task RunOnStartup_RunsWhenTheHostStarts_ThenWaitsForTheSchedule()
    {
        await StartHostAsync("A", typeof(StartupTimer));

        var run = await _runs.NextAsync(WaitLimit);

        Assert.Equal(nameof(StartupTimer), run.Function);
        Assert.False(run.Info.IsPastDue);
        Assert.Equal([TimeSpan.FromMinutes(59.5)], await _time.WaitForWaitsAsync(1, WaitLimit));
    }

    [Fact]
    public async Task StorageUnreachable_TheOccurrenceIsLoggedAndTheHostWaitsForTheNext()
    {
        var nowhere = new BlobServiceClient(
            new Uri($"http://127.0.0.1:9/{AzuriteFixture.AccountName}"),
            new StorageSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey),
            new BlobClientOptions { Retry = { MaxRetries = 0 } });
        var log = await StartHostAsync("A", typeof(ScheduledTimer), nowhere);
        await _time.WaitForWaitsAsync(1, WaitLimit);

        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal([TimeSpan.FromMinutes(1)], await _time.WaitForWaitsAsync(1, WaitLimit));
        Assert.Empty(_runs.All);
        Assert.Contains(log.Entries, e => e.EventId.Id == 5004 && e.Level == LogLevel.Warning);
        Assert.Contains(log.Entries, e => e.EventId.Id == 5003 && e.Level == LogLevel.Error);
    }

    [Theory]
    [InlineData("every minute")]
    [InlineData("0 */5 * * *")]
    public void BadSchedule_FailsHostStartNamingTheFunctionAndSetting(string value)
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Test:Bad"] = value, [TimerFunctionsServiceCollectionExtensions.HostIdSetting] = _hostId }).Build();

        var ex = Assert.Throws<InvalidOperationException>(() => StartTimers(settings, typeof(BadScheduleTimer)));

        Assert.Contains($"'{nameof(BadScheduleTimer)}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Test:Bad", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionContextParameter_FailsHostStartNamingTheFunction()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => StartTimers(Settings(), typeof(ContextTimer)));

        Assert.Contains($"'{nameof(ContextTimer)}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FunctionContext", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoHostIdNorTaskHub_FailsHostStartNamingTheSettings()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Test:Schedule"] = "0 * * * * *" }).Build();

        var ex = Assert.Throws<InvalidOperationException>(() => StartTimers(settings, typeof(ScheduledTimer)));

        Assert.Contains(TimerFunctionsServiceCollectionExtensions.HostIdSetting, ex.Message, StringComparison.Ordinal);
    }

    // The timers are checked when the host resolves its hosted services at start, against its final configuration.
    private static void StartTimers(IConfiguration settings, Type functions)
    {
        using var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton(settings)
            .AddTimerFunctions(settings, FunctionCatalog.FromTypes([functions]))
            .BuildServiceProvider();
        _ = provider.GetServices<IHostedService>().ToList();
    }
}
