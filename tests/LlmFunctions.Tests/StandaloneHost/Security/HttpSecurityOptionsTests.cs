extern alias FunctionApp;

using FunctionApp::LlmFunctions.FunctionApp.Configuration;

namespace LlmFunctions.Tests.StandaloneHost.Security;

public sealed class HttpSecurityOptionsTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("https://gateway.example.org", true)]
    [InlineData("https://gateway.example.org/llm/", true)]
    [InlineData("gateway.example.org", false)]
    [InlineData("/llm", false)]
    [InlineData("ftp://gateway.example.org", false)]
    [InlineData("https://gateway.example.org/?code=x", false)]
    public void PublicBaseUrl_AbsoluteHttpWithoutQuery_IsValidatedByName(string? value, bool valid)
    {
        var result = new HttpOptionsValidator().Validate(null, new HttpOptions { PublicBaseUrl = value });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("LlmFunctions:Http:PublicBaseUrl", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("https://ops.example.org; http://localhost:3000/", true)]
    [InlineData("https://ops.example.org/dashboard", false)]
    [InlineData("ops.example.org", false)]
    public void AllowedOrigins_OriginsOnly_AreValidatedByName(string value, bool valid)
    {
        var result = new HttpOptionsValidator().Validate(null, new HttpOptions { AllowedOrigins = value });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("LlmFunctions:Http:AllowedOrigins", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
