using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.StandaloneHost.Functions;

/// <summary>The kinds of trigger the standalone host can run.</summary>
public enum TriggerKind
{
    /// <summary><see cref="HttpTriggerAttribute"/>.</summary>
    Http,

    /// <summary><see cref="OrchestrationTriggerAttribute"/>.</summary>
    Orchestration,

    /// <summary><see cref="ActivityTriggerAttribute"/>.</summary>
    Activity,

    /// <summary><see cref="TimerTriggerAttribute"/>.</summary>
    Timer,
}

/// <summary>One <c>[Function]</c> method and its trigger, as the Worker SDK writes it into <c>functions.metadata</c>.</summary>
/// <param name="Name">The function's name (<see cref="FunctionAttribute.Name"/>).</param>
/// <param name="Method">The method to invoke.</param>
/// <param name="Kind">The trigger's kind.</param>
/// <param name="Trigger">The trigger attribute, e.g. <see cref="HttpTriggerAttribute"/>.</param>
/// <param name="TriggerParameter">The parameter the trigger attribute is on.</param>
public sealed record FunctionDefinition(string Name, MethodInfo Method, TriggerKind Kind, Attribute Trigger, ParameterInfo TriggerParameter);

/// <summary>
/// Finds every <c>[Function]</c> method of an assembly and its trigger: the one source of truth for names, routes,
/// methods, auth levels and schedules, read from the function attributes exactly as the Worker SDK reads them to write
/// <c>functions.metadata</c>. A function whose trigger this host cannot run stops start-up, naming the function.
/// </summary>
public sealed class FunctionCatalog
{
    private FunctionCatalog(IReadOnlyList<FunctionDefinition> functions) => Functions = functions;

    /// <summary>Gets every function, in name order.</summary>
    public IReadOnlyList<FunctionDefinition> Functions { get; }

    /// <summary>Gets the functions of one trigger kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The functions.</returns>
    public IEnumerable<FunctionDefinition> OfKind(TriggerKind kind) => Functions.Where(f => f.Kind == kind);

    /// <summary>Reads the functions of <paramref name="assembly"/>.</summary>
    /// <param name="assembly">The function app's assembly.</param>
    /// <returns>The catalog.</returns>
    /// <exception cref="InvalidOperationException">A function has no trigger, several, or one this host cannot run; or two share a name.</exception>
    public static FunctionCatalog FromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return FromTypes(assembly.GetTypes());
    }

    /// <summary>Reads the functions declared on <paramref name="types"/> (e.g. a few test functions).</summary>
    /// <param name="types">The classes declaring <c>[Function]</c> methods.</param>
    /// <returns>The catalog.</returns>
    /// <exception cref="InvalidOperationException">A function has no trigger, several, or one this host cannot run; or two share a name.</exception>
    public static FunctionCatalog FromTypes(IEnumerable<Type> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var functions = new List<FunctionDefinition>();
        foreach (var type in types)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
                {
                    continue;
                }

                functions.Add(Describe(function.Name, method));
            }
        }

        var duplicate = functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Function name '{duplicate.Key}' is used by {string.Join(" and ", duplicate.Select(f => $"{f.Method.DeclaringType?.FullName}.{f.Method.Name}"))}.");
        }

        return new FunctionCatalog([.. functions.OrderBy(f => f.Name, StringComparer.Ordinal)]);
    }

    private static FunctionDefinition Describe(string name, MethodInfo method)
    {
        var triggers = method.GetParameters()
            .SelectMany(p => p.GetCustomAttributes().Where(a => a.GetType().Name.EndsWith("TriggerAttribute", StringComparison.Ordinal)).Select(a => (Parameter: p, Attribute: a)))
            .ToList();
        if (triggers.Count != 1)
        {
            throw new InvalidOperationException($"Function '{name}' ({method.DeclaringType?.FullName}.{method.Name}) must have exactly one trigger parameter; it has {triggers.Count}.");
        }

        var (parameter, attribute) = triggers[0];
        var kind = attribute switch
        {
            HttpTriggerAttribute => TriggerKind.Http,
            OrchestrationTriggerAttribute => TriggerKind.Orchestration,
            ActivityTriggerAttribute => TriggerKind.Activity,
            TimerTriggerAttribute => TriggerKind.Timer,
            _ => throw new InvalidOperationException($"Function '{name}' uses {attribute.GetType().Name}, which the standalone host cannot run; run it under the Functions host (func start)."),
        };
        return new FunctionDefinition(name, method, kind, attribute, parameter);
    }
}
