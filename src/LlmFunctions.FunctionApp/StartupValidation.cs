using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.FunctionApp;

/// <summary>Resolves the settings-backed services at start so that a bad setting stops the host at once, by name.</summary>
internal sealed partial class StartupValidation(IServiceProvider services, ILogger<StartupValidation> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<ProviderCatalog>();
        _ = services.GetRequiredService<ProviderHealthStore>();
        foreach (var provider in catalog.Providers)
        {
            LogProvider(logger, provider.Name, provider.Kind, provider.Models, provider.MaxPromptChars);
        }

        foreach (var skipped in catalog.Skipped)
        {
            LogSkipped(logger, skipped.Name, skipped.Reason);
        }

        if (catalog.SimulatorBaseUrl is { } simulator)
        {
            LogSimulator(logger, simulator);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Provider {Provider} ({Kind}) models [{Models}], budget {MaxPromptChars} chars")]
    private static partial void LogProvider(ILogger logger, string provider, ProviderKind kind, IReadOnlyList<string> models, int maxPromptChars);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Provider {Provider} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string provider, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Development mode: every provider is routed to the provider simulator at {Simulator}")]
    private static partial void LogSimulator(ILogger logger, Uri simulator);
}
