using LlmFunctions.Caching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Tests.Caching;

public sealed class ResponseCacheOptionsValidatorTests
{
    private readonly ResponseCacheOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_SucceedsWithDocumentedValues()
    {
        var options = new ResponseCacheOptions();

        var result = _validator.Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("llmfunctions-cache", options.Container);
        Assert.Equal(262144, options.MaxEntryBytes);
        Assert.Equal(268435456, options.MaxTotalBytes);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("cache-2")]
    [InlineData("0cache")]
    public void Validate_ValidContainerName_Succeeds(string container)
    {
        Assert.True(_validator.Validate(null, new ResponseCacheOptions { Container = container }).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("Cache")]
    [InlineData("-cache")]
    [InlineData("cache-")]
    [InlineData("llm--cache")]
    [InlineData("llm_cache")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123")]
    public void Validate_InvalidContainerName_NamesSettingRuleAndValue(string container)
    {
        var result = _validator.Validate(null, new ResponseCacheOptions { Container = container });

        Assert.Equal([$"LlmFunctions:Cache:Container must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit, was '{container}'"], result.Failures);
    }

    [Theory]
    [InlineData(1023)]
    [InlineData(4194305)]
    public void Validate_MaxEntryBytesOutOfRange_NamesSettingRangeAndValue(int bytes)
    {
        var result = _validator.Validate(null, new ResponseCacheOptions { MaxEntryBytes = bytes, MaxTotalBytes = long.MaxValue });

        Assert.Equal([$"LlmFunctions:Cache:MaxEntryBytes must be between 1024 and 4194304, was {bytes}"], result.Failures);
    }

    [Fact]
    public void Validate_MaxTotalBytesBelowMaxEntryBytes_NamesBothSettings()
    {
        var result = _validator.Validate(null, new ResponseCacheOptions { MaxEntryBytes = 4096, MaxTotalBytes = 4095 });

        Assert.Equal(["LlmFunctions:Cache:MaxTotalBytes must be at least LlmFunctions:Cache:MaxEntryBytes (4096), was 4095"], result.Failures);
    }

    [Fact]
    public void AddResponseCache_InvalidSetting_FailsAtStartNamingTheSetting()
    {
        using var provider = Services(("LlmFunctions:Cache:MaxEntryBytes", "10"));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ResponseCacheOptions>>().Value);

        Assert.Equal(["LlmFunctions:Cache:MaxEntryBytes must be between 1024 and 4194304, was 10"], error.Failures);
    }

    [Fact]
    public async Task HostStart_InvalidSetting_FailsNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["LlmFunctions:Cache:Container"] = "Bad_Name",
        });
        builder.Services.AddResponseCache(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("LlmFunctions:Cache:Container must be 3 to 63", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddResponseCache_UnknownSetting_FailsAtStartNamingIt()
    {
        using var provider = Services(("LlmFunctions:Cache:TimeToLive", "00:05:00"));

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<ResponseCacheOptions>>().Value);

        Assert.Contains("TimeToLive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddResponseCache_BoundSettings_OverrideDefaultsAndTheCacheResolves()
    {
        using var provider = Services(("LlmFunctions:Cache:Container", "cache-staging"), ("LlmFunctions:Cache:MaxTotalBytes", "1048576"));

        var options = provider.GetRequiredService<IOptions<ResponseCacheOptions>>().Value;

        Assert.Equal("cache-staging", options.Container);
        Assert.Equal(1048576, options.MaxTotalBytes);
        Assert.NotNull(provider.GetRequiredService<ResponseCache>());
    }

    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var values = settings.ToDictionary(s => s.Key, s => (string?)s.Value);
        values["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddResponseCache(configuration)
            .BuildServiceProvider();
    }
}
