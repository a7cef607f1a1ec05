extern alias StandaloneHost;

using StandaloneHost::LlmFunctions.StandaloneHost;

namespace LlmFunctions.Tests.FunctionApp;

/// <summary>
/// Starts the standalone host as its <c>Program</c> does, on a free port, to see how start-up fails. Not through
/// <c>WebApplicationFactory</c>: when a host fails to start, its deferred host may report "Cannot access a disposed
/// object" instead of the real error, depending on timing.
/// </summary>
internal static class FunctionAppStartup
{
    /// <summary>Returns the exception the start threw, or null when the app started (it is stopped again).</summary>
    public static async Task<Exception?> FailureAsync(IReadOnlyDictionary<string, string?> settings)
    {
        try
        {
            await using var app = StandaloneApp.Build(["--urls", "http://127.0.0.1:0"], settings);
            await app.StartAsync();
            await app.StopAsync();
            return null;
        }
#pragma warning disable CA1031 // The failure is the result.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }
}
