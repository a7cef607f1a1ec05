using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using LlmFunctions.StandaloneHost.Functions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>The value bound to one parameter, or why the request's value could not be bound (a 400).</summary>
/// <param name="Value">The value.</param>
/// <param name="Error">Why binding failed; null when it succeeded.</param>
internal readonly record struct BindingResult(object? Value, string? Error);

/// <summary>
/// Binds the parameters of an HTTP function as the isolated worker with ASP.NET Core integration does:
/// <c>[HttpTrigger] HttpRequest</c>, <see cref="CancellationToken"/>, <c>[DurableClient] DurableTaskClient</c>, and
/// route values by parameter name. Anything else is refused when the endpoints are mapped, naming the function.
/// </summary>
internal static class HttpParameterBinder
{
    public static Func<HttpContext, BindingResult> Create(FunctionDefinition function, ParameterInfo parameter, RoutePattern route)
    {
        var type = parameter.ParameterType;
        if (parameter.Position == function.TriggerParameter.Position)
        {
            return type == typeof(HttpRequest)
                ? static context => new(context.Request, null)
                : throw FunctionParameters.Refused(function, parameter, $"[HttpTrigger] binds {nameof(HttpRequest)} here (ASP.NET Core integration), not {type.Name}");
        }

        FunctionParameters.RefuseUnsupported(function, parameter);
        if (type == typeof(CancellationToken))
        {
            return static context => new(context.RequestAborted, null);
        }

        if (FunctionParameters.IsDurableClient(function, parameter))
        {
            return static context => new(context.RequestServices.GetRequiredService<DurableTaskClient>(), null);
        }

        if (type == typeof(HttpContext) || type == typeof(HttpResponse))
        {
            // Worker.Extensions.Http.AspNetCore 2.1.1 converts HttpRequest (and HttpRequestData) only.
            throw FunctionParameters.Refused(function, parameter, $"the worker binds only the [HttpTrigger] {nameof(HttpRequest)}; use req.HttpContext");
        }

        var name = parameter.Name!;
        if (route.GetParameter(name) is null)
        {
            throw FunctionParameters.Refused(function, parameter, $"it is not a route parameter of \"{route.RawText}\" nor a type the worker binds");
        }

        return RouteValue(function, parameter);
    }

    private static Func<HttpContext, BindingResult> RouteValue(FunctionDefinition function, ParameterInfo parameter)
    {
        var name = parameter.Name!;
        var type = parameter.ParameterType;
        if (type == typeof(string))
        {
            return context => new(context.Request.RouteValues.TryGetValue(name, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : Missing(parameter), null);
        }

        var converter = TypeDescriptor.GetConverter(type);
        if (!converter.CanConvertFrom(typeof(string)))
        {
            throw FunctionParameters.Refused(function, parameter, $"route values convert to strings and simple types, not {type.Name}");
        }

        var enumType = Nullable.GetUnderlyingType(type) ?? type;
        return context =>
        {
            if (!context.Request.RouteValues.TryGetValue(name, out var raw) || raw is null)
            {
                return parameter.HasDefaultValue || !type.IsValueType || Nullable.GetUnderlyingType(type) is not null
                    ? new(Missing(parameter), null)
                    : new(null, $"The route value '{name}' is required.");
            }

            var text = Convert.ToString(raw, CultureInfo.InvariantCulture) ?? string.Empty;
            try
            {
                var value = converter.ConvertFromInvariantString(text);
                if (value is not null && enumType.IsEnum && !Enum.IsDefined(enumType, value))
                {
                    return new(null, Invalid(name, text, type));
                }

                return new(value, null);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException)
            {
                return new(null, Invalid(name, text, type));
            }
        };
    }

    private static object? Missing(ParameterInfo parameter) => parameter.HasDefaultValue ? parameter.DefaultValue : null;

    private static string Invalid(string name, string text, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var shown = text.Length > 64 ? text[..64] + "…" : text;
        return $"The route value '{name}' (\"{shown}\") is not a valid {target.Name}.";
    }
}
