using System.Reflection;
using LlmFunctions.StandaloneHost.Functions;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>
/// Calls one <c>[Function]</c> method as the isolated worker does: the class is created per invocation through DI
/// (an <see cref="ActivatorUtilities"/> factory built once, over the invocation's services; static methods need no instance), and the result of
/// <see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/> is awaited.
/// </summary>
internal sealed class FunctionCall
{
    private readonly MethodInfo _method;
    private readonly ObjectFactory? _factory;
    private readonly Func<object?, ValueTask<object?>> _unwrap;

    private FunctionCall(MethodInfo method, Type resultType, Func<object?, ValueTask<object?>> unwrap)
    {
        _method = method;
        ResultType = resultType;
        _unwrap = unwrap;

        // Built once: ActivatorUtilities.CreateInstance looks the constructor up by reflection on every request.
        _factory = method.IsStatic ? null : ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
    }

    /// <summary>Gets the type the method produces once awaited; <see cref="void"/> when it produces nothing.</summary>
    public Type ResultType { get; }

    public static FunctionCall Create(FunctionDefinition function)
    {
        var method = function.Method;
        if (!method.IsStatic && (method.DeclaringType is not { } type || type.IsAbstract || type.ContainsGenericParameters))
        {
            throw new InvalidOperationException($"Function '{function.Name}' is an instance method of {method.DeclaringType?.FullName}, which cannot be created; make the class concrete or the method static.");
        }

        var returnType = method.ReturnType;
        if (returnType == typeof(void))
        {
            return new(method, typeof(void), static _ => ValueTask.FromResult<object?>(null));
        }

        if (returnType == typeof(Task))
        {
            return new(method, typeof(void), static async r =>
            {
                await ((Task)r!).ConfigureAwait(false);
                return null;
            });
        }

        if (returnType == typeof(ValueTask))
        {
            return new(method, typeof(void), static async r =>
            {
                await ((ValueTask)r!).ConfigureAwait(false);
                return null;
            });
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var result = returnType.GetProperty(nameof(Task<object>.Result))!;
            return new(method, returnType.GetGenericArguments()[0], async r =>
            {
                var task = (Task)r!;
                await task.ConfigureAwait(false);
                return result.GetValue(task);
            });
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = returnType.GetMethod(nameof(ValueTask<object>.AsTask))!;
            var result = typeof(Task<>).MakeGenericType(returnType.GetGenericArguments()[0]).GetProperty(nameof(Task<object>.Result))!;
            return new(method, returnType.GetGenericArguments()[0], async r =>
            {
                var task = (Task)asTask.Invoke(r, null)!;
                await task.ConfigureAwait(false);
                return result.GetValue(task);
            });
        }

        return new(method, returnType, static r => ValueTask.FromResult(r));
    }

    /// <summary>Creates the instance, calls the method and awaits its result; the instance is disposed afterwards.</summary>
    /// <param name="services">The invocation's services (the request's, or a scope's).</param>
    /// <param name="arguments">The bound arguments, in parameter order.</param>
    /// <returns>The awaited result; null for none.</returns>
    public async ValueTask<object?> InvokeAsync(IServiceProvider services, object?[] arguments)
    {
        var instance = _factory?.Invoke(services, arguments: null);
        try
        {
            var returned = _method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
            return await _unwrap(returned).ConfigureAwait(false);
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
