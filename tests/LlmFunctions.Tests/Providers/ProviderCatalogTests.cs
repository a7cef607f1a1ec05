using LlmFunctions.Providers;
using Microsoft.Extensions.Configuration;

namespace LlmFunctions.Tests.Providers;

public sealed class ProviderCatalogTests
{
    private static ProviderCatalog Load(params (string Key, string? Value)[] settings) =>
        ProviderCatalog.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Load_NoKeys_EveryBuiltInSkippedWithTheSettingItNeeds()
    {
        var catalog = Load();

        Assert.Empty(catalog.Providers);
        Assert.Equal(14, catalog.Skipped.Count);
        Assert.Contains(catalog.Skipped, s => s is { Name: "Groq", Reason: "GROQ_API_KEY is not set" });
        Assert.Contains(catalog.Skipped, s => s is { Name: "Cloudflare", Reason: "CLOUDFLARE_API_TOKEN is not set" });
    }

    [Fact]
    public void Load_KeySet_ProviderUsableWithDefaults()
    {
        var catalog = Load(("GROQ_API_KEY", "gsk_abcdefghijklmnop"));

        var groq = Assert.Single(catalog.Providers);
        Assert.Equal("Groq", groq.Name);
        Assert.Equal(new Uri("https://api.groq.com/openai/v1"), groq.BaseUrl);
        Assert.Equal(["llama-3.3-70b-versatile"], groq.Models);
        Assert.Equal(6000, groq.MaxPromptChars);
        Assert.Equal(TimeSpan.FromSeconds(30), groq.Timeout);
        Assert.Equal("gsk_abcdefghijklmnop", catalog.GetApiKey(groq));
        Assert.Contains("gsk_abcdefghijklmnop", catalog.SecretValues);
    }

    [Fact]
    public void Load_EmptyKey_SkippedAsEmpty()
    {
        var catalog = Load(("DEEPSEEK_API_KEY", "  "));

        Assert.Contains(catalog.Skipped, s => s is { Name: "DeepSeek", Reason: "DEEPSEEK_API_KEY is empty" });
    }

    [Fact]
    public void Load_CloudflareWithoutAccountId_SkippedWithReason()
    {
        var catalog = Load(("CLOUDFLARE_API_TOKEN", "cf-token-123456789"));

        Assert.Empty(catalog.Providers);
        Assert.Contains(catalog.Skipped, s => s.Name == "Cloudflare" && s.Reason.Contains("CLOUDFLARE_ACCOUNT_ID", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_Overrides_AppliedAndOrderedByPriority()
    {
        var catalog = Load(
            ("GROQ_API_KEY", "gsk_abcdefghijklmnop"),
            ("CEREBRAS_API_KEY", "csk-abcdefghijklmnop"),
            ("LlmFunctions:Providers:Cerebras:Priority", "1"),
            ("LlmFunctions:Providers:Groq:Models:0", "a"),
            ("LlmFunctions:Providers:Groq:Models:1", "b"),
            ("LlmFunctions:Providers:Groq:MaxPromptChars", "8000"),
            ("LlmFunctions:Providers:Groq:TimeoutSeconds", "12.5"),
            ("LlmFunctions:Providers:Groq:ExtraHeaders:X-Title", "app"));

        Assert.Equal(["Cerebras", "Groq"], catalog.Providers.Select(p => p.Name));
        var groq = catalog.Find("groq")!;
        Assert.Equal(["a", "b"], groq.Models);
        Assert.Equal(8000, groq.MaxPromptChars);
        Assert.Equal(TimeSpan.FromSeconds(12.5), groq.Timeout);
        Assert.Equal("app", groq.ExtraHeaders["X-Title"]);
    }

    [Fact]
    public void Load_CustomOpenAiCompatibleProvider_Usable()
    {
        var catalog = Load(
            ("LlmFunctions:Providers:MyLab:BaseUrl", "https://llm.example.test/v1"),
            ("LlmFunctions:Providers:MyLab:Model", "my-model"),
            ("LlmFunctions:Providers:MyLab:ApiKeySetting", "MYLAB_KEY"),
            ("MYLAB_KEY", "mylab-secret-123456"));

        var custom = Assert.Single(catalog.Providers);
        Assert.Equal(ProviderKind.OpenAiCompatible, custom.Kind);
        Assert.Equal("MYLAB_KEY", custom.ApiKeySetting);
    }

    [Fact]
    public void Load_Disabled_SkippedNamingTheSetting()
    {
        var catalog = Load(("GROQ_API_KEY", "gsk_abcdefghijklmnop"), ("LlmFunctions:Providers:Groq:Enabled", "false"));

        Assert.Contains(catalog.Skipped, s => s is { Name: "Groq", Reason: "LlmFunctions:Providers:Groq:Enabled is false" });
    }

    [Fact]
    public void Load_SimulatorBaseUrl_RoutesEveryProviderToTheSimulator()
    {
        var catalog = Load((ProviderCatalog.SimulatorBaseUrlSetting, "http://127.0.0.1:7100"));

        Assert.Equal(14, catalog.Providers.Count);
        Assert.Equal(new Uri("http://127.0.0.1:7100/Groq/v1"), catalog.Find("Groq")!.BaseUrl);
        Assert.Equal(new Uri("http://127.0.0.1:7100/Cloudflare/client/v4"), catalog.Find("Cloudflare")!.BaseUrl);
    }

    [Fact]
    public void Load_SimulatorModeWithRealKeySet_SendsPlaceholderNotTheRealKey()
    {
        var catalog = Load((ProviderCatalog.SimulatorBaseUrlSetting, "http://127.0.0.1:7100"), ("GROQ_API_KEY", "gsk_realkey1234567890"));

        Assert.NotEqual("gsk_realkey1234567890", catalog.GetApiKey(catalog.Find("Groq")!));
        Assert.DoesNotContain("gsk_realkey1234567890", catalog.SecretValues);
    }

    [Theory]
    [InlineData("LlmFunctions:Providers:Groq:TimeoutSeconds", "-5", "LlmFunctions:Providers:Groq:TimeoutSeconds must be a number of seconds greater than 0")]
    [InlineData("LlmFunctions:Providers:Groq:TimeoutSeconds", "0", "LlmFunctions:Providers:Groq:TimeoutSeconds")]
    [InlineData("LlmFunctions:Providers:Groq:MaxPromptChars", "0", "LlmFunctions:Providers:Groq:MaxPromptChars must be a whole number from 1")]
    [InlineData("LlmFunctions:Providers:Groq:MaxPromptChars", "lots", "LlmFunctions:Providers:Groq:MaxPromptChars")]
    [InlineData("LlmFunctions:Providers:Groq:MaxConcurrency", "0", "LlmFunctions:Providers:Groq:MaxConcurrency")]
    [InlineData("LlmFunctions:Providers:Groq:Priority", "-1", "LlmFunctions:Providers:Groq:Priority")]
    [InlineData("LlmFunctions:Providers:Groq:Kind", "Anthropic", "LlmFunctions:Providers:Groq:Kind must be one of OpenAiCompatible, CloudflareWorkersAi")]
    [InlineData("LlmFunctions:Providers:Groq:BaseUrl", "not a url", "LlmFunctions:Providers:Groq:BaseUrl must be an absolute http(s) URL")]
    [InlineData("LlmFunctions:Providers:Groq:Enabled", "maybe", "LlmFunctions:Providers:Groq:Enabled must be true or false")]
    [InlineData("LlmFunctions:Providers:Groq:ExtraHeaders:Authorization", "Bearer x", "LlmFunctions:Providers:Groq:ExtraHeaders:Authorization is not allowed")]
    [InlineData("LlmFunctions:Providers:Mystery:Model", "m", "LlmFunctions:Providers:Mystery: unknown provider 'Mystery'")]
    [InlineData("LlmFunctions:SimulatorBaseUrl", "ftp://x", "LlmFunctions:SimulatorBaseUrl must be an absolute http(s) URL")]
    public void Load_BadSetting_ThrowsNamingTheSetting(string key, string value, string expected)
    {
        var ex = Assert.Throws<ProviderCatalogException>(() => Load((key, value), ("GROQ_API_KEY", "gsk_abcdefghijklmnop")));

        Assert.Contains(ex.Errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyPastedIntoApiKeySetting_ErrorNamesSettingWithoutEchoingTheKey()
    {
        const string key = "gsk_Zx9!secret value/with spaces";
        var ex = Assert.Throws<ProviderCatalogException>(() => Load(("LlmFunctions:Providers:Groq:ApiKeySetting", key)));

        Assert.Contains("LlmFunctions:Providers:Groq:ApiKeySetting must be the NAME of the setting", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BaseUrlWithKeyInQuery_RejectedWithoutEchoingIt()
    {
        var ex = Assert.Throws<ProviderCatalogException>(() => Load(("LlmFunctions:Providers:Groq:BaseUrl", "https://api.example.test/v1?key=sk-secret123456")));

        Assert.DoesNotContain("sk-secret123456", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LlmFunctions:Providers:Groq:BaseUrl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeveralBadSettings_ReportsEveryOne()
    {
        var ex = Assert.Throws<ProviderCatalogException>(() => Load(
            ("LlmFunctions:Providers:Groq:TimeoutSeconds", "-1"),
            ("LlmFunctions:Providers:Cerebras:MaxPromptChars", "0")));

        Assert.Equal(2, ex.Errors.Count);
    }
}
