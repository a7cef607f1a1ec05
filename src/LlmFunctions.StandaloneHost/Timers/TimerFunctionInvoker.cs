using System.Reflection;
using LlmFunctions.StandaloneHost.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using FunctionDefinition = LlmFunctions.StandaloneHost.Functions.FunctionDefinition;

namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>
/// Invokes one timer function as the worker does: the class is created through DI in a scope of its own, and the
/// parameters are the <c>[TimerTrigger] TimerInfo</c>, a <see cref="CancellationToken"/> (the host stopping) and
/// <c>[DurableClient] DurableTaskClient</c>. Other parameters are refused at start-up, naming the function.
/// </summary>
internal sealed class TimerFunctionInvoker
{
    private readonly FunctionCall _invocation;
    private readonly Func<IServiceProvider, TimerInfo, CancellationToken, object?>[] _binders;

    public TimerFunctionInvoker(FunctionDefinition function)
    {
        _invocation = FunctionCall.Create(function);
        _binders = [.. function.Method.GetParameters().Select(p => Binder(function, p))];
        NeedsDurableClient = function.Method.GetParameters().Any(p => p.ParameterType == typeof(DurableTaskClient));
    }

    public bool NeedsDurableClient { get; }

    public async Task InvokeAsync(IServiceScopeFactory scopes, TimerInfo timer, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var arguments = _binders.Select(b => b(scope.ServiceProvider, timer, cancellationToken)).ToArray();
            await _invocation.InvokeAsync(scope.ServiceProvider, arguments).ConfigureAwait(false);
        }
    }

    private static Func<IServiceProvider, TimerInfo, CancellationToken, object?> Binder(FunctionDefinition function, ParameterInfo parameter)
    {
        if (parameter.Position == function.TriggerParameter.Position)
        {
            return parameter.ParameterType == typeof(TimerInfo)
                ? static (_, timer, _) => timer
                : throw FunctionParameters.Refused(function, parameter, $"[TimerTrigger] binds {nameof(TimerInfo)}, not {parameter.ParameterType.Name}");
        }

        FunctionParameters.RefuseUnsupported(function, parameter);
        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return static (_, _, cancellationToken) => cancellationToken;
        }

        if (FunctionParameters.IsDurableClient(function, parameter))
        {
            return static (services, _, _) => services.GetRequiredService<DurableTaskClient>();
        }

        throw FunctionParameters.Refused(function, parameter, $"a timer function takes {nameof(TimerInfo)}, {nameof(CancellationToken)} and [DurableClient] {nameof(DurableTaskClient)} only");
    }
}
