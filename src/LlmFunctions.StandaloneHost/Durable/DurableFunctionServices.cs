using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>What every orchestrator and activity invocation needs from the host.</summary>
internal sealed class DurableFunctionServices(IServiceProvider root, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime)
{
    /// <summary>Gets the converter for inputs, outputs, custom status and events: System.Text.Json with web defaults, as the Functions worker serializes.</summary>
    public static DataConverter Converter { get; } = new JsonDataConverter(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public IServiceProvider Root => root;

    public ILoggerFactory LoggerFactory => loggerFactory;

    #pragma warning disable CA1822 // An instance member so invocations read every dependency from one place.
    public DataConverter DataConverter => Converter;
#pragma warning restore CA1822

    public CancellationToken StoppingToken => lifetime.ApplicationStopping;

    /// <summary>Gets how many orchestrator episodes and activity calls are running now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    private int _inFlight;

    /// <summary>Counts a running episode or activity call until the returned scope is disposed.</summary>
    /// <returns>The scope.</returns>
    public InFlightScope Track()
    {
        Interlocked.Increment(ref _inFlight);
        return new InFlightScope(this);
    }

    /// <summary>One running episode or activity call.</summary>
    internal readonly struct InFlightScope(DurableFunctionServices services) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref services._inFlight);
    }
}
