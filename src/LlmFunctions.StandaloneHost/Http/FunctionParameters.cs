using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using FunctionDefinition = LlmFunctions.StandaloneHost.Functions.FunctionDefinition;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>The parameter rules shared by every trigger kind this host runs.</summary>
internal static class FunctionParameters
{
    /// <summary>Whether the parameter asks for the Durable client the way the worker binds it: <c>[DurableClient] DurableTaskClient</c>.</summary>
    public static bool IsDurableClient(FunctionDefinition function, ParameterInfo parameter)
    {
        var marked = parameter.GetCustomAttribute<DurableClientAttribute>() is not null;
        if (marked && parameter.ParameterType != typeof(DurableTaskClient))
        {
            throw Refused(function, parameter, $"[DurableClient] binds {nameof(DurableTaskClient)} only, not {parameter.ParameterType.Name}");
        }

        if (!marked && parameter.ParameterType == typeof(DurableTaskClient))
        {
            throw Refused(function, parameter, $"a {nameof(DurableTaskClient)} parameter needs [DurableClient]");
        }

        return marked;
    }

    /// <summary>Throws for the parameters the worker binds but this host refuses, or the worker cannot bind at all.</summary>
    public static void RefuseUnsupported(FunctionDefinition function, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(FunctionContext))
        {
            // The worker binds it, but this host has no worker invocation to hand out.
            throw Refused(function, parameter, $"{nameof(FunctionContext)} is not available in the standalone host; take what the function needs as parameters or constructor dependencies");
        }

        if (type == typeof(ILogger) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ILogger<>)))
        {
            // The worker has no ILogger input converter either: under func the parameter would not bind.
            throw Refused(function, parameter, "the isolated worker does not bind ILogger parameters; inject ILogger<T> in the constructor");
        }
    }

    public static InvalidOperationException Refused(FunctionDefinition function, ParameterInfo parameter, string why) =>
        new($"Function '{function.Name}' ({function.Method.DeclaringType?.FullName}.{function.Method.Name}): parameter '{parameter.Name}' cannot be bound: {why}.");
}
