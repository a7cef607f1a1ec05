using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LlmFunctions.Tests.Simulator;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>
/// The function app as a real child process (the standalone host, <c>dotnet LlmFunctions.StandaloneHost.dll</c>, built with the solution),
/// so a test can kill it with SIGKILL and start another against the same storage. Settings are passed as environment
/// variables, as app settings are in Azure.
/// </summary>
internal sealed class FunctionAppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private FunctionAppProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public static async Task<FunctionAppProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var root = Path.GetDirectoryName(SimulatorTestHost.RepoFile("LlmFunctions.sln"))!;
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(root, "src", "LlmFunctions.StandaloneHost", "bin", configuration, "net10.0", "LlmFunctions.StandaloneHost.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first");
        }

        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["LLMFUNCTIONS_ROOT"] = root;
        start.Environment["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = start };
        var app = new FunctionAppProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the function app exited with {process.ExitCode}:\n{app.Tail()}");
            }

            try
            {
                using var health = await probe.GetAsync(new Uri("api/health", UriKind.Relative), timeout.Token);
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!timeout.IsCancellationRequested)
            {
                // This probe timed out; try again.
            }

            // Polling a child process's port: there is no event to wait on.
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Kills the process at once (SIGKILL on Linux): no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public string Tail()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 60)
            {
                _tail.Dequeue();
            }
        }
    }
}
