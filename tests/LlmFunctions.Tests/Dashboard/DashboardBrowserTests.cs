extern alias StandaloneHost;

using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;
using LlmFunctions.Tests.Simulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using StandaloneHost::LlmFunctions.StandaloneHost;

namespace LlmFunctions.Tests.Dashboard;

/// <summary>
/// The provider dashboard in Debian's Chromium driven by Playwright: the standalone host on a real 127.0.0.1 port, the
/// page loads, shows the providers' states, and its disable button disables one.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class DashboardBrowserTests(AzuriteFixture azurite)
{
    /// <summary>Debian's Chromium (scripts/ensure-tools.sh installs it); Playwright's own browser download fails here.</summary>
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    [Fact]
    public async Task Dashboard_ShowsStates_DisableButtonDisablesTheProvider()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/ensure-tools.sh");
        await using var simulator = await SimulatorTestHost.StartAsync(ChatApp.Scenario(("Groq", string.Empty), ("Cerebras", string.Empty)));
        var settings = TestHostSettings.For(azurite.ConnectionString, simulator, "dashboard-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromMilliseconds(100));
        await using var app = StandaloneApp.Build(["--urls", "http://127.0.0.1:0"], settings);
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{baseUrl}/dashboard?refreshMs=500&code=unused-until-keys-are-enforced");

        var groq = page.Locator("tr[data-provider='Groq'] td[data-field='state']");
        var cerebras = page.Locator("tr[data-provider='Cerebras'] td[data-field='state']");
        // Never called yet: the first call to each is its probe.
        await Assertions.Expect(groq).ToHaveTextAsync("ProbeAvailable");
        await Assertions.Expect(cerebras).ToHaveTextAsync("ProbeAvailable");
        // The key left the address bar once read.
        Assert.DoesNotContain("code=", page.Url, StringComparison.Ordinal);

        await page.Locator("tr[data-provider='Groq'] button[data-op='disable']").ClickAsync();

        await Assertions.Expect(groq).ToHaveTextAsync("Disabled");
        await Assertions.Expect(cerebras).ToHaveTextAsync("ProbeAvailable");
        await Assertions.Expect(page.Locator("tr[data-provider='Groq']")).ToContainTextAsync("disabled by an operator: from the dashboard");
        var health = await app.Services.GetRequiredService<LlmFunctions.Health.ProviderHealthStore>().GetAllAsync();
        Assert.Contains(health, h => h.Key.Provider == "Groq" && h.DisabledUntil is not null);

        await app.StopAsync();
    }
}
