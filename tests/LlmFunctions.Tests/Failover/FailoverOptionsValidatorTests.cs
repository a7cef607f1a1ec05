using LlmFunctions.Failover;

namespace LlmFunctions.Tests.Failover;

public class FailoverOptionsValidatorTests
{
    private readonly FailoverOptionsValidator validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(validator.Validate(null, new FailoverOptions()).Succeeded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(21)]
    public void Validate_MaxAttemptsOutOfRange_NamesSettingAndValue(int value)
    {
        var result = validator.Validate(null, new FailoverOptions { MaxAttemptsPerProvider = value });

        Assert.Equal([$"LlmFunctions:Failover:MaxAttemptsPerProvider must be between 1 and 20, was {value}"], result.Failures);
    }

    [Fact]
    public void Validate_MaxDelayBelowBaseDelay_NamesBothSettings()
    {
        var result = validator.Validate(null, new FailoverOptions { BaseDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(5) });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("LlmFunctions:Failover:MaxDelay", failure, StringComparison.Ordinal);
        Assert.Contains("LlmFunctions:Failover:BaseDelay", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownSpreading_NamesSettingValueAndChoices()
    {
        var result = validator.Validate(null, new FailoverOptions { Spreading = "round-robin" });

        Assert.Equal(["LlmFunctions:Failover:Spreading must be one of priority, weighted, least-busy, quota-aware, was 'round-robin'"], result.Failures);
    }

    [Fact]
    public void Validate_ZeroTotalDeadline_NamesSetting()
    {
        var result = validator.Validate(null, new FailoverOptions { TotalDeadline = TimeSpan.Zero });

        Assert.Contains(result.Failures!, f => f.StartsWith("LlmFunctions:Failover:TotalDeadline must be between", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, 120)]
    [InlineData(30, 30)]
    [InlineData(200, 200)]
    [InlineData(900, 300)] // clamped to MaxRequestDeadline
    [InlineData(0, 1)]
    public void DeadlineFrom_RequestedBudget_IsClampedWithinLimits(int? requestedSeconds, int expectedSeconds)
    {
        var now = FailoverFixtures.T0;
        TimeSpan? requested = requestedSeconds is { } s ? TimeSpan.FromSeconds(s) : null;

        Assert.Equal(now.AddSeconds(expectedSeconds), new FailoverOptions().DeadlineFrom(now, requested));
    }
}
