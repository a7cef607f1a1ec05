extern alias FunctionApp;

using FunctionApp::LlmFunctions.FunctionApp.Configuration;
using FunctionApp::LlmFunctions.FunctionApp.Functions;
using FunctionApp::LlmFunctions.FunctionApp.Functions.Timers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.FunctionApp;

public sealed class TimerScheduleTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RepoHostJson_ResetExpiredCooldowns_RunsEveryMinuteOnTheMinute()
    {
        var root = FunctionAppRoot.Locate(AppContext.BaseDirectory)!;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(FunctionsConfigurationExtensions.ReadHostJson(Path.Combine(root, "host.json")))
            .Build();

        var schedule = TimerSchedule.Parse(ResetExpiredCooldowns.ScheduleSetting, configuration[ResetExpiredCooldowns.ScheduleSetting]);

        Assert.Equal("0 */1 * * * *", schedule.Expression);
        Assert.Equal(Start.AddMinutes(1), schedule.NextAfter(Start));
        Assert.Equal(Start.AddMinutes(1), schedule.NextAfter(Start.AddSeconds(59.5)));
        Assert.Equal(Start.AddMinutes(2), schedule.NextAfter(Start.AddMinutes(1)));
    }

    [Fact]
    public void NextAfter_InjectedClock_IsComputedFromItsNow()
    {
        var time = new FakeTimeProvider(Start.AddMinutes(7).AddSeconds(12));
        var schedule = TimerSchedule.Parse(ResetExpiredCooldowns.ScheduleSetting, "30 */5 * * * *");

        Assert.Equal(Start.AddMinutes(10).AddSeconds(30), schedule.NextAfter(time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(Start.AddMinutes(15).AddSeconds(30), schedule.NextAfter(time.GetUtcNow()));
    }

    [Theory]
    [InlineData("0 */1 * * *")]
    [InlineData("every minute")]
    [InlineData("0 61 * * * *")]
    public void Parse_InvalidExpression_ThrowsNamingTheSettingAndExpression(string expression)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TimerSchedule.Parse(ResetExpiredCooldowns.ScheduleSetting, expression));

        Assert.Contains("LlmFunctions:Timers:ResetExpiredCooldowns", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{expression}\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Missing_ThrowsNamingTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TimerSchedule.Parse(ResetExpiredCooldowns.ScheduleSetting, " "));

        Assert.Contains("LlmFunctions:Timers:ResetExpiredCooldowns is not set", ex.Message, StringComparison.Ordinal);
    }
}
