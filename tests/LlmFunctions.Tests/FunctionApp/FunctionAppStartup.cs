extern alias FunctionApp;

using FunctionApp::LlmFunctions.FunctionApp;
using FunctionApp::LlmFunctions.FunctionApp.Configuration;
using FunctionApp::LlmFunctions.FunctionApp.Functions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace LlmFunctions.Tests.FunctionApp;

/// <summary>
/// Starts the function app as its <c>Program</c> does, on a free port, to see how start-up fails. Not through
/// <c>WebApplicationFactory</c>: when a host fails to start, its deferred host may report "Cannot access a disposed
/// object" instead of the real error, depending on timing.
/// </summary>
internal static class FunctionAppStartup
{
    /// <summary>Returns the exception the start threw, or null when the app started (it is stopped again).</summary>
    public static async Task<Exception?> FailureAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddFunctionsConfiguration(AppContext.BaseDirectory);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        try
        {
            builder.Services.AddFunctionApp(builder.Configuration);
            await using var app = builder.Build();
            app.MapFunctions();
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
