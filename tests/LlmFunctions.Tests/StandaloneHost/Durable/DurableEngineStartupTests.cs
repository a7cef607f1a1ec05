extern alias StandaloneHost;

using System.Net;
using System.Net.Sockets;
using LlmFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StandaloneHost::LlmFunctions.StandaloneHost.Durable;

namespace LlmFunctions.Tests.StandaloneHost.Durable;

/// <summary>Start-up: bad functions and bad settings stop it, naming the culprit; unreachable Storage does not.</summary>
public sealed class DurableEngineStartupTests
{
    private const string Connection = "UseDevelopmentStorage=true";

    [Fact]
    public void ActivityWithFunctionContextParameter_FailsStartUp_NamingFunctionAndParameter()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            EngineHost.Build(EngineHost.Settings(Connection, "hubok"), new CapturingLoggerProvider(), typeof(UnsupportedParameterFunctions)));

        Assert.Contains("EngineTest_NeedsFunctionContext", error.Message, StringComparison.Ordinal);
        Assert.Contains("'context'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DurableEngineOptions.HubNameKey, "1hub", "start with a letter")]
    [InlineData(DurableEngineOptions.HubNameKey, "hub-name", "letters or digits")]
    [InlineData(DurableEngineOptions.HubNameKey, "ab", "3-45")]
    [InlineData(DurableEngineOptions.PartitionCountKey, "17", "between 1 and 16")]
    [InlineData(DurableEngineOptions.PartitionCountKey, "four", "whole number")]
    [InlineData(DurableEngineOptions.ControlQueueVisibilityTimeoutKey, "00:00:30", "between 00:01:00 and 01:00:00")]
    [InlineData(DurableEngineOptions.WorkItemQueueVisibilityTimeoutKey, "00:00:05", "between 00:00:10")]
    [InlineData(DurableEngineOptions.MaxQueuePollingIntervalKey, "00:00:00", "greater than zero")]
    [InlineData(DurableEngineOptions.MaxQueuePollingIntervalKey, "soon", "time span")]
    [InlineData(DurableEngineOptions.MaxConcurrentActivityFunctionsKey, "0", "at least 1")]
    [InlineData(DurableEngineOptions.MaxConcurrentOrchestratorFunctionsKey, "-1", "at least 1")]
    [InlineData(DurableEngineOptions.ExtendedSessionsEnabledKey, "true", "does not support")]
    public async Task BadSetting_FailsStartUp_NamingSettingAndLimit(string key, string value, string limit)
    {
        var settings = EngineHost.Settings(Connection, "hubok");
        settings[key] = value;
        using var host = EngineHost.Build(settings, new CapturingLoggerProvider(), typeof(EngineTestFunctions));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var message = Assert.Single(error.Failures);
        Assert.StartsWith(key, message, StringComparison.Ordinal);
        Assert.Contains(limit, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "AzureWebJobsStorage")]
    [InlineData("MyStorage", "MyStorage")]
    public async Task MissingConnectionSetting_FailsStartUp_NamingTheSetting(string? connectionName, string expected)
    {
        var settings = EngineHost.Settings(Connection, "hubok");
        settings.Remove("AzureWebJobsStorage");
        if (connectionName is not null)
        {
            settings[DurableEngineOptions.ConnectionNameKey] = connectionName;
        }

        using var host = EngineHost.Build(settings, new CapturingLoggerProvider(), typeof(EngineTestFunctions));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"'{expected}'", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConnectionString_FailsStartUp_WithoutShowingIt()
    {
        var settings = EngineHost.Settings("AccountKey=secret-value;nonsense", "hubok");
        using var host = EngineHost.Build(settings, new CapturingLoggerProvider(), typeof(EngineTestFunctions));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var message = Assert.Single(error.Failures);
        Assert.Contains("'AzureWebJobsStorage'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorageUnreachable_HostStartsAndStops_EngineLogsAndRetries()
    {
        var port = ClosedPort();
        var endpoint = $"http://127.0.0.1:{port}/{AzuriteFixture.AccountName}";
        var connection = $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};" +
            $"BlobEndpoint={endpoint};QueueEndpoint={endpoint};TableEndpoint={endpoint};";
        var logs = new CapturingLoggerProvider();
        using var host = EngineHost.Build(EngineHost.Settings(connection, EngineHost.UniqueHubName()), logs, typeof(EngineTestFunctions));

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(5));

        await Eventually.WaitAsync(
            () => logs.Entries.Count(e => e.EventId.Id == 4102) >= 2,
            TimeSpan.FromSeconds(60),
            "the engine to log two failed start attempts");
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(AzuriteFixture.AccountKey, StringComparison.Ordinal));
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
