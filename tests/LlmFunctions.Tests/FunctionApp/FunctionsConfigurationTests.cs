extern alias FunctionApp;

using FunctionApp::LlmFunctions.FunctionApp.Configuration;

namespace LlmFunctions.Tests.FunctionApp;

public sealed class FunctionsConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmfunctions-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ReadHostJson_ExtensionsSection_BecomesLlmFunctionsSettings()
    {
        var path = Path.Combine(_folder, "host.json");
        File.WriteAllText(path, """{ "version": "2.0", "extensions": { "llmFunctions": { "health": { "failureThreshold": 7 }, "list": ["a", "b"] } } }""");

        var data = FunctionsConfigurationExtensions.ReadHostJson(path);

        Assert.Equal("7", data["LlmFunctions:health:failureThreshold"]);
        Assert.Equal("b", data["LlmFunctions:list:1"]);
        Assert.Equal("2.0", data["AzureFunctionsJobHost:version"]);
    }

    [Fact]
    public void ReadLocalSettings_DoubleUnderscore_MapsToColon()
    {
        var path = Path.Combine(_folder, "local.settings.json");
        File.WriteAllText(path, """{ "IsEncrypted": false, "Values": { "LlmFunctions__Providers__Groq__MaxPromptChars": "8000", "GROQ_API_KEY": "k" } }""");

        var data = FunctionsConfigurationExtensions.ReadLocalSettings(path);

        Assert.Equal("8000", data["LlmFunctions:Providers:Groq:MaxPromptChars"]);
        Assert.Equal("k", data["GROQ_API_KEY"]);
    }

    [Fact]
    public void ReadHostJson_Malformed_ErrorNamesFileAndLine()
    {
        var path = Path.Combine(_folder, "host.json");
        File.WriteAllText(path, "{\n  \"version\": \"2.0\",\n  \"extensions\": { oops }\n}");

        var ex = Assert.Throws<InvalidOperationException>(() => FunctionsConfigurationExtensions.ReadHostJson(path));

        Assert.Contains("host.json: invalid JSON at line 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_FromNestedFolder_FindsFolderHoldingHostJson()
    {
        File.WriteAllText(Path.Combine(_folder, "host.json"), "{}");
        var nested = Directory.CreateDirectory(Path.Combine(_folder, "a", "b")).FullName;

        Assert.Equal(_folder, FunctionAppRoot.Locate(nested));
    }

    [Fact]
    public void RepoHostJson_ParsesAndCarriesTheSeedDefaults()
    {
        var root = FunctionAppRoot.Locate(AppContext.BaseDirectory)!;

        var data = FunctionsConfigurationExtensions.ReadHostJson(Path.Combine(root, "host.json"));

        Assert.Equal("5", data["LlmFunctions:health:failureThreshold"]);
        Assert.Equal("1.00:00:00", data["LlmFunctions:health:permanentFailureCooldown"]);
        Assert.Equal("3", data["LlmFunctions:failover:maxAttemptsPerProvider"]);
    }
}
