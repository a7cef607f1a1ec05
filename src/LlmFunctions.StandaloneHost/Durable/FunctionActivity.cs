using Microsoft.DurableTask;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>An activity function as an <see cref="ITaskActivity"/>: each call makes the class in a new DI scope, disposed after.</summary>
internal sealed class FunctionActivity(FunctionInvoker invoker, DurableFunctionServices services) : ITaskActivity
{
    public Type InputType => invoker.InputType ?? typeof(object);

    public Type OutputType => typeof(object);

    public async Task<object?> RunAsync(TaskActivityContext context, object? input)
    {
        using var running = services.Track();
        var arguments = new FunctionArguments(null, input, context.InstanceId, services.StoppingToken);
        if (invoker.Function.Method.IsStatic)
        {
            return await invoker.InvokeAsync(services.Root, arguments);
        }

        await using var scope = services.Root.CreateAsyncScope();
        return await invoker.InvokeAsync(scope.ServiceProvider, arguments);
    }
}
