using Azure.Data.Tables;
using LlmFunctions.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Tests.Health;

public sealed class HealthOptionsValidatorTests
{
    private readonly HealthOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var options = new HealthOptions();

        var result = _validator.Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(5, options.FailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(15), options.BreakDuration);
        Assert.Equal(2, options.ShortBreaks);
        Assert.Equal(TimeSpan.FromMinutes(30), options.MaxBreakDuration);
        Assert.Equal(TimeSpan.FromHours(24), options.PermanentFailureCooldown);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RateLimitCooldown);
        Assert.Equal(TimeSpan.FromHours(1), options.MaxRateLimitCooldown);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ProbeLease);
        Assert.Equal("ProviderHealth", options.TableName);
        Assert.Equal(TimeSpan.FromSeconds(1), options.CacheRefreshInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), options.CounterFlushInterval);
    }

    [Fact]
    public void Validate_ZeroCacheAndFlushIntervals_SucceedsMeaningNoCacheAndNoCoalescing()
    {
        var result = _validator.Validate(null, new HealthOptions { CacheRefreshInterval = TimeSpan.Zero, CounterFlushInterval = TimeSpan.Zero });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_NegativeCacheRefreshInterval_NamesSettingRangeAndValue()
    {
        var result = _validator.Validate(null, new HealthOptions { CacheRefreshInterval = TimeSpan.FromSeconds(-1) });

        Assert.Equal(["LlmFunctions:Health:CacheRefreshInterval must be between 00:00:00 and 00:01:00, was -00:00:01"], result.Failures);
    }

    [Fact]
    public void Validate_FailureThresholdZero_NamesSettingRangeAndValue()
    {
        var result = _validator.Validate(null, new HealthOptions { FailureThreshold = 0 });

        Assert.True(result.Failed);
        Assert.Equal(["LlmFunctions:Health:FailureThreshold must be between 1 and 1000, was 0"], result.Failures);
    }

    public static TheoryData<string, Action<HealthOptions>> InvalidSettings => new()
    {
        { "FailureThreshold", o => o.FailureThreshold = 1001 },
        { "BreakDuration", o => o.BreakDuration = TimeSpan.Zero },
        { "MaxBreakDuration", o => o.MaxBreakDuration = TimeSpan.FromSeconds(10) },
        { "ShortBreaks", o => o.ShortBreaks = 0 },
        { "PermanentFailureCooldown", o => o.PermanentFailureCooldown = TimeSpan.FromSeconds(-1) },
        { "RateLimitCooldown", o => o.RateLimitCooldown = TimeSpan.Zero },
        { "MaxRateLimitCooldown", o => o.MaxRateLimitCooldown = TimeSpan.FromSeconds(10) },
        { "ProbeLease", o => o.ProbeLease = TimeSpan.Zero },
        { "CacheRefreshInterval", o => o.CacheRefreshInterval = TimeSpan.FromMinutes(2) },
        { "CounterFlushInterval", o => o.CounterFlushInterval = TimeSpan.FromSeconds(-1) },
        { "CounterFlushInterval", o => o.CounterFlushInterval = TimeSpan.FromMinutes(1).Add(TimeSpan.FromTicks(1)) },
        { "TableName", o => o.TableName = "provider-health" },
        { "TableName", o => o.TableName = "1abc" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Validate_InvalidSetting_FailsWithOneErrorNamingTheSetting(string setting, Action<HealthOptions> breakIt)
    {
        var options = new HealthOptions();
        breakIt(options);

        var result = _validator.Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"LlmFunctions:Health:{setting} must be", failure, StringComparison.Ordinal);
        Assert.Contains(", was ", failure, StringComparison.Ordinal);
    }
}

public sealed class HealthServiceCollectionExtensionsTests
{
    [Fact]
    public void AddProviderHealth_InvalidConfiguration_FailsNamingTheConfigurationPath()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["LlmFunctions:Health:FailureThreshold"] = "0" })
            .Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddProviderHealth()
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(
            () => provider.GetRequiredService<IOptions<HealthOptions>>().Value);

        Assert.Equal(["LlmFunctions:Health:FailureThreshold must be between 1 and 1000, was 0"], error.Failures);
    }

    [Fact]
    public void AddProviderHealth_RetiredSettingName_FailsNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["LlmFunctions:Health:DefaultRateLimitCooldown"] = "01:00:00" })
            .Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddProviderHealth()
            .BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(
            () => provider.GetRequiredService<IOptions<HealthOptions>>().Value);

        Assert.Contains("DefaultRateLimitCooldown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddProviderHealth_BoundConfiguration_OverridesDefaults()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["LlmFunctions:Health:BreakDuration"] = "00:00:30",
                ["LlmFunctions:Health:TableName"] = "HealthStaging",
            })
            .Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(new TableServiceClient("UseDevelopmentStorage=true"))
            .AddLogging()
            .AddProviderHealth()
            .BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<HealthOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(30), options.BreakDuration);
        Assert.Equal("HealthStaging", options.TableName);
        Assert.Equal(5, options.FailureThreshold);
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.Same(provider.GetRequiredService<ProviderHealthStore>(), provider.GetRequiredService<ProviderHealthStore>());
    }
}
