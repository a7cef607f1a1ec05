using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>
/// One episode of an orchestrator function: the shim's <see cref="TaskOrchestration"/> around a
/// <see cref="FunctionOrchestrator"/>, owning the DI scope the function class was made in. DTFx makes one per episode;
/// <see cref="DurableFunctionRegistry"/>'s dispatcher middleware disposes it when the episode ends, as the isolated worker
/// ends the invocation (and its scope) when the episode's replay returns, even while the orchestrator still awaits.
/// </summary>
internal sealed class FunctionOrchestration : TaskOrchestration, IAsyncDisposable
{
    private readonly TaskOrchestration _shim;
    private readonly FunctionOrchestrator _orchestrator;
    private readonly DurableFunctionServices.InFlightScope _running;

    public FunctionOrchestration(DurableTaskShimFactory shims, FunctionInvoker invoker, DurableFunctionServices services)
    {
        _running = services.Track();
        _orchestrator = new FunctionOrchestrator(invoker, services);
        _shim = shims.CreateOrchestration(new TaskName(invoker.Function.Name), _orchestrator);
    }

    public override Task<string> Execute(OrchestrationContext context, string input) => _shim.Execute(context, input);

    public override void RaiseEvent(OrchestrationContext context, string name, string input) => _shim.RaiseEvent(context, name, input);

    public override string GetStatus() => _shim.GetStatus();

    public async ValueTask DisposeAsync()
    {
        _running.Dispose();
        await _orchestrator.DisposeAsync();
    }
}

/// <summary>An orchestrator function as an <see cref="ITaskOrchestrator"/>, for <see cref="DurableTaskShimFactory"/>.</summary>
internal sealed class FunctionOrchestrator(FunctionInvoker invoker, DurableFunctionServices services) : ITaskOrchestrator, IAsyncDisposable
{
    private AsyncServiceScope? _scope;

    public Type InputType => invoker.InputType ?? typeof(object);

    public Type OutputType => typeof(object);

    public async Task<object?> RunAsync(TaskOrchestrationContext context, object? input)
    {
        var functionContext = new FunctionOrchestrationContext(context, services.DataConverter, services.LoggerFactory);
        var arguments = new FunctionArguments(functionContext, input, context.InstanceId, services.StoppingToken);
        IServiceProvider provider = services.Root;
        if (!invoker.Function.Method.IsStatic)
        {
            _scope = services.Root.CreateAsyncScope();
            provider = _scope.Value.ServiceProvider;
        }

        return await invoker.InvokeAsync(provider, arguments);
    }

    public ValueTask DisposeAsync() => _scope?.DisposeAsync() ?? ValueTask.CompletedTask;
}
