using LlmFunctions.Cli.Batch;
using Microsoft.Extensions.Time.Testing;

namespace LlmFunctions.Tests.Batch;

public sealed class AimdControllerTests
{
    private static readonly AimdOptions Seed001 = new();

    private static void RecordMany(AimdController aimd, int count, bool error)
    {
        for (var i = 0; i < count; i++)
        {
            aimd.Record(error);
        }
    }

    [Fact]
    public void Defaults_AreSeed001s()
    {
        Assert.Equal((50, 1, 8, 2, 0.5, 0.2, TimeSpan.FromSeconds(5)), (Seed001.Window, Seed001.Min, Seed001.Max, Seed001.Initial, Seed001.DecreaseAbove, Seed001.IncreaseBelow, Seed001.Pause));
    }

    [Theory]
    // initial, errors then successes fed, expected limit, expected paused
    [InlineData(8, 10, 0, 4, true)] // all errors: halve once (window cleared after), pause
    [InlineData(8, 6, 4, 4, true)] // 6 of 10 = 60% > 50%: halve
    [InlineData(8, 5, 5, 8, false)] // exactly 50%: no change (rule is strictly above)
    [InlineData(1, 10, 0, 1, true)] // halving clamps at min
    [InlineData(3, 10, 0, 1, true)] // 3 / 2 = 1
    [InlineData(2, 0, 10, 3, false)] // 0% < 20%: +1 once the first round at the new level is not yet complete
    [InlineData(8, 0, 50, 8, false)] // clamps at max
    [InlineData(4, 2, 8, 4, false)] // 20%: not below 20%, not above 50%: hold
    public void Record_AppliesTheTable(int initial, int errors, int successes, int expectedLimit, bool expectedPaused)
    {
        var time = new FakeTimeProvider();
        var aimd = new AimdController(Seed001 with { Initial = initial }, time);
        RecordMany(aimd, errors, error: true);
        RecordMany(aimd, successes, error: false);
        Assert.Equal(expectedLimit, aimd.Limit);
        Assert.Equal(expectedPaused, aimd.IsPaused);
    }

    [Fact]
    public void Decrease_PausesForThePauseOnTheTimeProvider()
    {
        var time = new FakeTimeProvider();
        var aimd = new AimdController(Seed001 with { Initial = 8 }, time);
        RecordMany(aimd, 9, error: true);
        Assert.Equal(8, aimd.Limit);
        Assert.Equal(AimdChange.Decreased, aimd.Record(true));
        Assert.Equal(4, aimd.Limit);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(5), aimd.PausedUntil);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(aimd.IsPaused);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.False(aimd.IsPaused);
    }

    [Fact]
    public void Increase_AddsOnePerRoundOfOutcomesAtTheCurrentLevel()
    {
        var aimd = new AimdController(Seed001 with { Initial = 2, MinSamples = 1 }, new FakeTimeProvider());
        Assert.Equal(AimdChange.None, aimd.Record(false));
        Assert.Equal(AimdChange.Increased, aimd.Record(false)); // 2 outcomes at limit 2
        Assert.Equal(3, aimd.Limit);
        RecordMany(aimd, 2, false);
        Assert.Equal(3, aimd.Limit);
        Assert.Equal(AimdChange.Increased, aimd.Record(false)); // 3 outcomes at limit 3
        Assert.Equal(4, aimd.Limit);
    }

    [Fact]
    public void Window_SlidesSoOldErrorsAgeOut()
    {
        var aimd = new AimdController(Seed001 with { Window = 10, MinSamples = 10, Initial = 8, DecreaseAbove = 0.9 }, new FakeTimeProvider());
        RecordMany(aimd, 8, error: true);
        RecordMany(aimd, 10, error: false);
        Assert.Equal(0, aimd.ErrorRate);
        Assert.Equal(10, aimd.Samples);
    }

    [Fact]
    public void Record_BelowMinSamples_ChangesNothing()
    {
        var aimd = new AimdController(Seed001 with { Initial = 4 }, new FakeTimeProvider());
        RecordMany(aimd, 9, error: true);
        Assert.Equal(4, aimd.Limit);
        Assert.False(aimd.IsPaused);
        Assert.Equal(1.0, aimd.ErrorRate);
    }

    [Theory]
    [InlineData(0, 10, 1, 8, 2, "--window")]
    [InlineData(50, 60, 1, 8, 2, "--min-samples")]
    [InlineData(50, 10, 0, 8, 2, "--min")]
    [InlineData(50, 10, 4, 2, 2, "--max")]
    [InlineData(50, 10, 1, 8, 9, "--initial")]
    public void Validate_NamesTheOption(int window, int minSamples, int min, int max, int initial, string option)
    {
        var error = new AimdOptions { Window = window, MinSamples = minSamples, Min = min, Max = max, Initial = initial }.Validate();
        Assert.NotNull(error);
        Assert.StartsWith(option + " ", error);
    }
}
