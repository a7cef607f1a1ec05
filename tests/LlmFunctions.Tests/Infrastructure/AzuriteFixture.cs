using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmFunctions.Tests.Infrastructure;

/// <summary>
/// Starts one real Azurite process (in memory, 127.0.0.1, ports picked by the OS) for every test in the
/// <c>Azurite</c> collection, and kills it afterwards.
/// </summary>
public sealed partial class AzuriteFixture : IAsyncLifetime, IDisposable
{
    /// <summary>The emulator's well-known development account key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public const string AccountName = "devstoreaccount1";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Dictionary<string, Uri> _endpoints = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private string? _workDirectory;

    public string ConnectionString { get; private set; } = string.Empty;

    public Uri TableEndpoint => _endpoints["Table"];

    public async Task InitializeAsync()
    {
        var azurite = FindAzurite();
        _workDirectory = Directory.CreateTempSubdirectory("azurite-").FullName;
        var start = new ProcessStartInfo(azurite)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _workDirectory,
        };
        foreach (var argument in new[]
        {
            "--inMemoryPersistence", "--silent", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", "0", "--queuePort", "0", "--tablePort", "0",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.Exited += (_, _) => _listening.TrySetException(Failure("Azurite exited before listening on all three services."));

        if (!_process.Start())
        {
            throw Failure($"Could not start {azurite}.");
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        try
        {
            await _listening.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            await DisposeAsync();
            throw Failure($"Azurite did not report listening on Blob, Queue and Table within {StartTimeout.TotalSeconds} s.");
        }

        ConnectionString = string.Create(
            CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint={Endpoint("Blob")};QueueEndpoint={Endpoint("Queue")};TableEndpoint={Endpoint("Table")};");
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
            _process = null;
        }

        if (_workDirectory is not null)
        {
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder.
            }

            _workDirectory = null;
        }
    }

    /// <summary>A table name unique to one test: letters first, then hex digits.</summary>
    public static string UniqueTableName() => "h" + Guid.NewGuid().ToString("N");

    private string Endpoint(string service) => $"{_endpoints[service].GetLeftPart(UriPartial.Authority)}/{AccountName}";

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stdout)
        {
            _stdout.AppendLine(line);
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                _endpoints[match.Groups["service"].Value] = new Uri(match.Groups["url"].Value);
                if (_endpoints.ContainsKey("Blob") && _endpoints.ContainsKey("Queue") && _endpoints.ContainsKey("Table"))
                {
                    _listening.TrySetResult();
                }
            }
        }
    }

    private InvalidOperationException Failure(string message)
    {
        string stdout, stderr;
        lock (_stdout)
        {
            stdout = _stdout.ToString();
        }

        lock (_stderr)
        {
            stderr = _stderr.ToString();
        }

        return new InvalidOperationException($"{message}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    }

    private static string FindAzurite()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(Path.Combine(directory.FullName, "package.json")))
            {
                continue;
            }

            var binary = Path.Combine(directory.FullName, "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite");
            return File.Exists(binary)
                ? binary
                : throw new InvalidOperationException(
                    $"Azurite is not installed: {binary} is missing. Run npm ci at the repo root ({directory.FullName}).");
        }

        throw new InvalidOperationException(
            $"No package.json found above {AppContext.BaseDirectory}; run npm ci at the repo root to install Azurite.");
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at (?<url>https?://\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex ListeningLine();
}

/// <summary>Every test class in this collection shares one Azurite process.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollectionDefinition : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>
/// The minute-long fault tests (host kills, a storage outage) spend their time waiting on the engine's
/// visibility timeouts and leases, not on the CPU: on an Azurite of their own, they run beside the rest of the suite
/// instead of after it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LongFaultCollectionDefinition : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (long fault tests)";
}
