using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace LlmFunctions.Bench;

/// <summary>A child process whose output is kept (the last lines) and counted, killed with its tree on dispose.</summary>
internal sealed class Child : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private long _lines;

    public Child(ProcessStartInfo start, Action<string>? onLine = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler handler = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Interlocked.Increment(ref _lines);
            lock (_tail)
            {
                _tail.Enqueue(e.Data);
                if (_tail.Count > 40)
                {
                    _tail.Dequeue();
                }
            }

            onLine?.Invoke(e.Data);
        };
        _process.OutputDataReceived += handler;
        _process.ErrorDataReceived += handler;
        if (!_process.Start())
        {
            throw new InvalidOperationException($"could not start {start.FileName}");
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Lines written to stdout and stderr so far.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    public bool HasExited => _process.HasExited;

    /// <summary>CPU time (user and system) the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public string Tail()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}

/// <summary>Azurite in memory on 127.0.0.1, ports picked by the OS and read from its "listening" lines.</summary>
internal static partial class Azurite
{
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static async Task<(Child Process, AzuriteAccount Account)> StartAsync(string repoRoot, CancellationToken cancellationToken)
    {
        var binary = Path.Combine(repoRoot, "node_modules", ".bin", "azurite");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"Azurite is not installed: {binary} is missing; run npm ci in {repoRoot}");
        }

        var work = Directory.CreateTempSubdirectory("bench-azurite-").FullName;
        var start = new ProcessStartInfo(binary) { WorkingDirectory = work };
        foreach (var a in new[]
        {
            "--inMemoryPersistence", "--silent", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", "0", "--queuePort", "0", "--tablePort", "0",
        })
        {
            start.ArgumentList.Add(a);
        }

        var endpoints = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = new Child(start, line =>
        {
            var match = ListeningLine().Match(line);
            if (!match.Success)
            {
                return;
            }

            lock (endpoints)
            {
                endpoints[match.Groups["service"].Value] = new Uri(match.Groups["url"].Value);
                if (endpoints.Count == 3)
                {
                    listening.TrySetResult();
                }
            }
        });
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (TimeoutException)
        {
            var tail = child.Tail();
            child.Dispose();
            throw new InvalidOperationException($"Azurite did not report listening within 30 s:\n{tail}");
        }

        return (child, new AzuriteAccount(endpoints["Blob"], endpoints["Queue"], endpoints["Table"]));
    }

    /// <summary>The connection string for the account at these endpoints (Azurite's, or proxies in front of it).</summary>
    public static string ConnectionString(Uri blob, Uri queue, Uri table)
    {
        static string Endpoint(Uri service) => $"{service.GetLeftPart(UriPartial.Authority)}/{AccountName}";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint={Endpoint(blob)};QueueEndpoint={Endpoint(queue)};TableEndpoint={Endpoint(table)};");
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at (?<url>https?://\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex ListeningLine();
}

/// <summary>Azurite's three service endpoints.</summary>
internal sealed record AzuriteAccount(Uri Blob, Uri Queue, Uri Table)
{
    /// <summary>The connection string straight to Azurite.</summary>
    public string ConnectionString => Azurite.ConnectionString(Blob, Queue, Table);
}

/// <summary>The built standalone host run as <c>dotnet LlmFunctions.StandaloneHost.dll</c> on 127.0.0.1, or the bench
/// itself as the bare host (<c>dotnet LlmFunctions.Bench.dll --bare-host</c>).</summary>
internal static class Gateway
{
    /// <summary>Settings every standalone host needs besides storage and providers.</summary>
    /// <param name="hub">The durable task hub's name.</param>
    public static Dictionary<string, string> HostSettings(string hub) => new(StringComparer.Ordinal)
    {
        ["AzureFunctionsJobHost:extensions:durableTask:hubName"] = hub,
        ["ResetExpiredCooldownsSchedule"] = "0 */5 * * * *",
        ["PruneResponseCacheSchedule"] = "0 */15 * * * *",
        ["LlmFunctions:Host:WorkerId"] = "bench-" + hub,

        // The host takes its log levels from host.json's logging section, as a Functions host does.
        ["AzureFunctionsJobHost:logging:logLevel:default"] = "Warning",
    };

    public static Task<(Child Process, Uri BaseAddress)> StartAsync(
        string appDll, string repoRoot, IDictionary<string, string> settings, HttpClient client, CancellationToken cancellationToken) =>
        StartAsync(appDll, [], "api/health", repoRoot, settings, client, cancellationToken);

    public static async Task<(Child Process, Uri BaseAddress)> StartAsync(
        string dll, IReadOnlyList<string> args, string healthPath, string repoRoot, IDictionary<string, string> settings, HttpClient client, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = repoRoot };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["LLMFUNCTIONS_ROOT"] = repoRoot;
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var child = new Child(start);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var health = new Uri(baseAddress, healthPath);
        while (true)
        {
            if (child.HasExited)
            {
                var tail = child.Tail();
                child.Dispose();
                throw new InvalidOperationException($"{Path.GetFileName(dll)} exited before it was healthy:\n{tail}");
            }

            try
            {
                using var response = await client.GetAsync(health, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return (child, baseAddress);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                var tail = child.Tail();
                child.Dispose();
                throw new InvalidOperationException($"the function app was not healthy at {health} within 60 s:\n{tail}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
