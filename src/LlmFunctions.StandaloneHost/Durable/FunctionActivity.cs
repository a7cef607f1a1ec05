using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>An activity function as an <see cref="ITaskActivity"/>: each call makes the class in a new DI scope, disposed after.</summary>
internal sealed class FunctionActivity(FunctionInvoker invoker, DurableFunctionServices services) : ITaskActivity
{
    public Type InputType => invoker.InputType ?? typeof(object);

    public Type OutputType => typeof(object);

    public async Task<object?> RunAsync(TaskActivityContext context, object? input)
    {
        var arguments = new FunctionArguments(null, input, context.InstanceId, services.StoppingToken);
        if (invoker.Function.Method.IsStatic)
        {
            return await invoker.InvokeAsync(services.Root, arguments);
        }

        await using var scope = services.Root.CreateAsyncScope();
        return await invoker.InvokeAsync(scope.ServiceProvider, arguments);
    }

    /// <summary>Makes the shim's <see cref="TaskActivity"/> for each call.</summary>
    internal sealed class Creator : ObjectCreator<TaskActivity>
    {
        private readonly DurableTaskShimFactory _shims;
        private readonly FunctionInvoker _invoker;
        private readonly DurableFunctionServices _services;

        public Creator(DurableTaskShimFactory shims, FunctionInvoker invoker, DurableFunctionServices services)
        {
            _shims = shims;
            _invoker = invoker;
            _services = services;
            Name = invoker.Function.Name;
            Version = string.Empty;
        }

        public override TaskActivity Create() => _shims.CreateActivity(new TaskName(_invoker.Function.Name), new FunctionActivity(_invoker, _services));
    }
}
