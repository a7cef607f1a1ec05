extern alias FunctionApp;

using FunctionApp::LlmFunctions.FunctionApp.Configuration;

namespace LlmFunctions.Tests.FunctionApp;

public sealed class HttpOptionsValidatorTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(60, true)]
    [InlineData(230, true)]
    [InlineData(-1, false)]
    [InlineData(231, false)]
    public void SyncWaitSeconds_IsValidatedByName(int seconds, bool valid)
    {
        var result = new HttpOptionsValidator().Validate(null, new HttpOptions { SyncWaitSeconds = seconds });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("LlmFunctions:Http:SyncWaitSeconds", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
