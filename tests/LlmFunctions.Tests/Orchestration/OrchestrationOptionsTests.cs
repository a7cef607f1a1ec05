extern alias FunctionApp;

using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using OrchestrationOptions = FunctionApp::LlmFunctions.FunctionApp.Orchestration.OrchestrationOptions;
using OrchestrationOptionsValidator = FunctionApp::LlmFunctions.FunctionApp.Orchestration.OrchestrationOptionsValidator;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>Orchestration settings: each bad value is rejected naming its setting, and the app refuses to start on a
/// bad task hub name or orchestration setting.</summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class OrchestrationOptionsTests(AzuriteFixture azurite)
{
    [Fact]
    public void Validate_Defaults_Succeeds() =>
        Assert.True(new OrchestrationOptionsValidator().Validate(null, new OrchestrationOptions()).Succeeded);

    [Theory]
    [InlineData("MaxDequeueCount", "0")]
    [InlineData("MaxDequeueCount", "101")]
    [InlineData("BatchSize", "0")]
    [InlineData("BatchSize", "33")]
    [InlineData("MaxConcurrentSteps", "0")]
    [InlineData("MaxConcurrentSteps", "1001")]
    [InlineData("MaxPollingInterval", "00:00:00.005")]
    [InlineData("MaxPollingInterval", "00:02:00")]
    [InlineData("MessageVisibilityTimeout", "00:00:01")]
    [InlineData("MessageVisibilityTimeout", "02:00:00")]
    [InlineData("FailedStepRetryDelay", "00:00:00.001")]
    [InlineData("FailedStepRetryDelay", "00:02:00")]
    public void Validate_BadValue_FailsNamingTheSetting(string setting, string value)
    {
        var options = new OrchestrationOptions();
        var property = typeof(OrchestrationOptions).GetProperty(setting)!;
        property.SetValue(options, property.PropertyType == typeof(int) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var result = new OrchestrationOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        Assert.Contains($"LlmFunctions:Orchestration:{setting} must be between", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LlmFunctions:TaskHub", "1bad-name")]
    [InlineData("LlmFunctions:TaskHub", "ab")]
    [InlineData("LlmFunctions:Orchestration:MaxDequeueCount", "0")]
    [InlineData("LlmFunctions:Orchestration:MessageVisibilityTimeout", "00:00:01")]
    public async Task HostStart_BadOrchestrationSetting_FailsNamingTheSetting(string setting, string value)
    {
        var exception = await FunctionAppStartup.FailureAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["LlmFunctions:TaskHub"] = AzuriteFixture.UniqueTableName(),
            [setting] = value,
        });

        Assert.NotNull(exception);
        Assert.True(exception.Message.Contains(setting, StringComparison.Ordinal), exception.ToString());
        Assert.Contains(value, exception.Message, StringComparison.Ordinal);
    }
}
