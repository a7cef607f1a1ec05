using System.Reflection;
using System.Runtime.CompilerServices;
using LlmFunctions.StandaloneHost.Functions;
using Microsoft.DurableTask;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>What one invocation of an orchestrator or activity function binds its parameters from.</summary>
/// <param name="OrchestrationContext">The orchestration context (orchestrators only).</param>
/// <param name="Input">The deserialized input.</param>
/// <param name="InstanceId">The orchestration instance id.</param>
/// <param name="CancellationToken">The host's stopping token.</param>
internal readonly record struct FunctionArguments(TaskOrchestrationContext? OrchestrationContext, object? Input, string InstanceId, CancellationToken CancellationToken);

/// <summary>
/// Calls one <c>[OrchestrationTrigger]</c> or <c>[ActivityTrigger]</c> method the way the isolated worker does: the class
/// made through DI, parameters bound from the trigger, and the result awaited. Built at start-up, so a parameter the
/// host cannot bind stops start-up, naming the function and the parameter.
/// </summary>
internal sealed class FunctionInvoker
{
    private readonly MethodInfo _method;
    private readonly ObjectFactory? _factory;
    private readonly Func<FunctionArguments, object?>[] _binders;
    private readonly Func<object?, ValueTask<object?>> _unwrap;

    private FunctionInvoker(FunctionDefinition function, Type? inputType, Func<FunctionArguments, object?>[] binders, Func<object?, ValueTask<object?>> unwrap)
    {
        Function = function;
        InputType = inputType;
        _method = function.Method;
        _binders = binders;
        _unwrap = unwrap;
        _factory = _method.IsStatic ? null : ActivatorUtilities.CreateFactory(_method.DeclaringType!, Type.EmptyTypes);
    }

    /// <summary>Gets the function.</summary>
    public FunctionDefinition Function { get; }

    /// <summary>Gets the type the input is deserialized to, or null when the function declares no input.</summary>
    public Type? InputType { get; }

    /// <summary>Checks the function's parameters and return type and builds its invoker.</summary>
    /// <exception cref="InvalidOperationException">A parameter or the return type cannot be bound; the message names the function.</exception>
    public static FunctionInvoker Create(FunctionDefinition function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (function.Kind is not (TriggerKind.Orchestration or TriggerKind.Activity))
        {
            throw new ArgumentException($"Function '{function.Name}' is not an orchestrator or an activity.", nameof(function));
        }

        var method = function.Method;
        if (method.IsGenericMethodDefinition || method.DeclaringType is null || (!method.IsStatic && method.DeclaringType.IsAbstract))
        {
            throw Refused(function, "must be a non-generic method of a concrete class");
        }

        Type? inputType = null;
        var binders = new List<Func<FunctionArguments, object?>>();
        foreach (var parameter in method.GetParameters())
        {
            binders.Add(Bind(function, parameter, ref inputType));
        }

        return new FunctionInvoker(function, inputType, [.. binders], Unwrapper(function));
    }

    /// <summary>Invokes the function: the class made from <paramref name="services"/> (the invocation's scope), the result awaited.</summary>
    public ValueTask<object?> InvokeAsync(IServiceProvider services, FunctionArguments arguments)
    {
        var instance = _factory?.Invoke(services, null);
        var values = new object?[_binders.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _binders[i](arguments);
        }

        var result = _method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, values, culture: null);
        return _unwrap(result);
    }

    private static Func<FunctionArguments, object?> Bind(FunctionDefinition function, ParameterInfo parameter, ref Type? inputType)
    {
        if (parameter.ParameterType.IsByRef || parameter.IsOut)
        {
            throw Refused(function, $"parameter '{parameter.Name}' is passed by reference, which the standalone host cannot bind");
        }

        if (parameter.Position == function.TriggerParameter.Position)
        {
            if (function.Kind == TriggerKind.Orchestration)
            {
                return parameter.ParameterType == typeof(TaskOrchestrationContext)
                    ? a => a.OrchestrationContext
                    : throw Refused(function, $"[OrchestrationTrigger] parameter '{parameter.Name}' must be a TaskOrchestrationContext, not {parameter.ParameterType.Name}");
            }

            inputType = parameter.ParameterType;
            return a => a.Input;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return a => a.CancellationToken;
        }

        if (function.Kind == TriggerKind.Activity
            && parameter.ParameterType == typeof(string)
            && string.Equals(parameter.Name, "instanceId", StringComparison.OrdinalIgnoreCase))
        {
            return a => a.InstanceId;
        }

        // The isolated worker's OrchestrationInputConverter binds an orchestrator's first parameter that has no
        // binding attribute to the orchestration's input.
        if (function.Kind == TriggerKind.Orchestration && inputType is null && !parameter.GetCustomAttributes().Any(IsBindingAttribute))
        {
            inputType = parameter.ParameterType;
            return a => a.Input;
        }

        var allowed = function.Kind == TriggerKind.Orchestration
            ? "an orchestrator takes [OrchestrationTrigger] TaskOrchestrationContext, one input parameter and CancellationToken"
            : "an activity takes [ActivityTrigger] T, string instanceId and CancellationToken";
        throw Refused(function, $"parameter '{parameter.Name}' ({parameter.ParameterType.Name}) cannot be bound by the standalone host: {allowed}");
    }

    private static bool IsBindingAttribute(Attribute attribute) =>
        attribute.GetType().Namespace?.StartsWith("Microsoft.Azure.Functions.Worker", StringComparison.Ordinal) == true;

    private static Func<object?, ValueTask<object?>> Unwrapper(FunctionDefinition function)
    {
        var type = function.Method.ReturnType;
        if (type == typeof(void))
        {
            return function.Method.GetCustomAttribute<AsyncStateMachineAttribute>() is null
                ? _ => ValueTask.FromResult<object?>(null)
                : throw Refused(function, "is async void; return Task instead so the host can await it");
        }

        if (type == typeof(Task) || type == typeof(ValueTask))
        {
            return async result =>
            {
                await AsTask(function, result);
                return null;
            };
        }

        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            var asTask = type.GetGenericTypeDefinition() == typeof(ValueTask<>) ? type.GetMethod(nameof(ValueTask<int>.AsTask))! : null;
            var resultProperty = typeof(Task<>).MakeGenericType(type.GetGenericArguments()[0]).GetProperty(nameof(Task<int>.Result))!;
            return async result =>
            {
                var task = asTask is null ? AsTask(function, result) : (Task)asTask.Invoke(result, null)!;
                await task;
                return resultProperty.GetValue(task);
            };
        }

        return result => ValueTask.FromResult(result);
    }

    private static Task AsTask(FunctionDefinition function, object? result) => result switch
    {
        Task task => task,
        ValueTask valueTask => valueTask.AsTask(),
        _ => throw new InvalidOperationException($"Function '{function.Name}' returned a null task."),
    };

    private static InvalidOperationException Refused(FunctionDefinition function, string reason) =>
        new($"Function '{function.Name}' ({function.Method.DeclaringType?.FullName}.{function.Method.Name}) {reason}.");
}
