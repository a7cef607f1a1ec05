using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.StandaloneHost.Management;

/// <summary>One task hub with a running DTFx worker and the management API, shared by a test class.</summary>
public sealed class WorkerHarnessFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private ManagementHarness? _harness;

    public ManagementHarness Harness => _harness ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _harness = await ManagementHarness.StartAsync(azurite.ConnectionString, runWorker: true);

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }
}
