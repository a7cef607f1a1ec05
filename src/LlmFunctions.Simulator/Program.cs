using System.Runtime.InteropServices;
using LlmFunctions.Simulator;

if (args is ["--help" or "-h"])
{
    Console.WriteLine(CliArguments.Usage);
    return 0;
}

var cli = CliArguments.Parse(args, out var error);
if (cli is null)
{
    await Console.Error.WriteLineAsync($"error: {error}\n{CliArguments.Usage}");
    return 2;
}

SimulatorScenario scenario;
try
{
    scenario = SimulatorScenario.Load(cli.ScenarioPath);
}
catch (SimulatorScenarioException ex)
{
    await Console.Error.WriteLineAsync($"error: {cli.ScenarioPath}: {ex.Message}");
    return 2;
}

SimulatorServer server;
try
{
    server = await SimulatorServer.StartAsync(scenario, new SimulatorServerOptions { Port = cli.Port, Seed = cli.Seed });
}
catch (IOException ex)
{
    await Console.Error.WriteLineAsync($"error: --port: cannot listen on 127.0.0.1:{cli.Port}: {ex.Message}");
    return 2;
}

await using var running = server;
Console.WriteLine($"Simulator listening on {server.BaseAddress} (stats: {server.BaseAddress}_sim/stats)");
if (scenario.Description is { } description)
{
    Console.WriteLine(description);
}

foreach (var provider in scenario.Providers)
{
    var url = provider.Api == SimulatorApi.Cloudflare ? server.CloudflareBaseUrl(provider.Name) : server.OpenAiBaseUrl(provider.Name);
    Console.WriteLine($"  {provider.Name,-14} {url}");
}

Console.WriteLine("Press Ctrl+C to stop.");
var stop = new TaskCompletionSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
await stop.Task;
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}
