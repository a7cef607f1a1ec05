extern alias StandaloneHost;

using Microsoft.Extensions.Configuration;
using StandaloneHost::LlmFunctions.StandaloneHost.Timers;

namespace LlmFunctions.Tests.StandaloneHost.Timers;

public sealed class TimerScheduleTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static IConfiguration Settings(string key, string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

    [Fact]
    public void PercentSetting_ResolvesToThatSettingsNcrontab()
    {
        var schedule = TimerSchedule.Resolve("Sweep", "%LlmFunctions:Timers:Sweep%", Settings("LlmFunctions:Timers:Sweep", "0 */1 * * * *"));

        Assert.Equal("0 */1 * * * *", schedule.Expression);
        Assert.Equal(Start.AddMinutes(1), schedule.NextAfter(Start));
        Assert.Equal(Start.AddMinutes(1), schedule.NextAfter(Start.AddSeconds(59.5)));
        Assert.Equal(Start.AddMinutes(2), schedule.NextAfter(Start.AddMinutes(1)));
        Assert.False(schedule.IsSubMinute);
    }

    [Fact]
    public void LiteralNcrontab_WithSeconds_IsUsedAsIs()
    {
        var schedule = TimerSchedule.Resolve("Sweep", "30 */5 * * * *", Settings("unused", null));

        Assert.Equal(Start.AddMinutes(5).AddSeconds(30), schedule.NextAfter(Start.AddMinutes(2)));
    }

    [Fact]
    public void TimeSpan_OccursOnMultiplesOfTheIntervalSoEveryHostAgrees()
    {
        var schedule = TimerSchedule.Resolve("Sweep", "00:05:00", Settings("unused", null));

        Assert.Equal(Start.AddMinutes(5), schedule.NextAfter(Start));
        Assert.Equal(Start.AddMinutes(5), schedule.NextAfter(Start.AddMinutes(4).AddSeconds(59)));
        Assert.Equal(Start.AddMinutes(10), schedule.NextAfter(Start.AddMinutes(5)));
    }

    [Fact]
    public void EverySecond_IsSubMinute()
    {
        Assert.True(TimerSchedule.Resolve("Fast", "*/10 * * * * *", Settings("unused", null)).IsSubMinute);
        Assert.True(TimerSchedule.Resolve("Fast", "00:00:30", Settings("unused", null)).IsSubMinute);
    }

    [Theory]
    [InlineData("0 */1 * * *")]
    [InlineData("every minute")]
    [InlineData("0 61 * * * *")]
    [InlineData("-00:01:00")]
    public void BadValue_ThrowsNamingTheFunctionTheSettingAndTheValue(string value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TimerSchedule.Resolve("Sweep", "%Timers:Sweep%", Settings("Timers:Sweep", value)));

        Assert.Contains("'Sweep'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Timers:Sweep", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{value}\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSetting_ThrowsNamingIt()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TimerSchedule.Resolve("Sweep", "%Timers:Sweep%", Settings("Other", "x")));

        Assert.Contains("setting Timers:Sweep", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is not set", ex.Message, StringComparison.Ordinal);
    }
}
