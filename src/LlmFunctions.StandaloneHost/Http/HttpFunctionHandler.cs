using LlmFunctions.FunctionApp.Http;
using LlmFunctions.StandaloneHost.Functions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing.Patterns;

namespace LlmFunctions.StandaloneHost.Http;

/// <summary>
/// Runs one HTTP function per request the way Worker.Extensions.Http.AspNetCore does: binds its parameters, invokes it
/// through DI with the request's services, then executes an <see cref="IActionResult"/> (with an
/// <see cref="ActionContext"/>) or an <see cref="IResult"/>; a function returning nothing wrote the response itself.
/// </summary>
internal sealed partial class HttpFunctionHandler
{
    private readonly FunctionDefinition _function;
    private readonly FunctionCall _invocation;
    private readonly Func<HttpContext, BindingResult>[] _binders;
    private readonly string[] _names;
    private readonly ILogger _logger;

    public HttpFunctionHandler(FunctionDefinition function, RoutePattern route, ILogger logger)
    {
        _function = function;
        _logger = logger;
        _invocation = FunctionCall.Create(function);
        var result = _invocation.ResultType;
        if (result != typeof(void) && result != typeof(object) && !typeof(IActionResult).IsAssignableFrom(result) && !typeof(IResult).IsAssignableFrom(result))
        {
            throw new InvalidOperationException($"Function '{function.Name}' returns {function.Method.ReturnType.Name}; the standalone host runs HTTP functions that return IActionResult, IResult or nothing (Task/void), or their Task<>/ValueTask<> forms.");
        }

        var parameters = function.Method.GetParameters();
        _binders = [.. parameters.Select(p => HttpParameterBinder.Create(function, p, route))];
        _names = [.. parameters.Select(p => p.Name ?? string.Empty)];
        NeedsDurableClient = parameters.Any(p => p.ParameterType == typeof(Microsoft.DurableTask.Client.DurableTaskClient));
    }

    public bool NeedsDurableClient { get; }

    public async Task HandleAsync(HttpContext context)
    {
        var arguments = new object?[_binders.Length];
        Dictionary<string, string[]>? errors = null;
        for (var i = 0; i < _binders.Length; i++)
        {
            var bound = _binders[i](context);
            if (bound.Error is not null)
            {
                (errors ??= new(StringComparer.Ordinal))[_names[i]] = [bound.Error];
            }

            arguments[i] = bound.Value;
        }

        if (errors is not null)
        {
            LogBadRouteValue(_logger, _function.Name, errors.Keys);
            var (name, problems) = errors.First();
            await OpenAiError.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAiError.InvalidRequest, $"route value {name}: {string.Join("; ", problems)}", name);
            return;
        }

        var result = await _invocation.InvokeAsync(context.RequestServices, arguments);
        switch (result)
        {
            case IActionResult actionResult:
                // As the worker: a result is not written to a request the client already abandoned.
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    await actionResult.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                }

                break;
            case IResult httpResult:
                await httpResult.ExecuteAsync(context);
                break;
            case null:
                break;
            default:
                throw new InvalidOperationException($"Function '{_function.Name}' returned {result.GetType().Name}, which is neither IActionResult nor IResult.");
        }
    }

    [LoggerMessage(EventId = 5201, EventName = "HttpFunctionBadRouteValue", Level = LogLevel.Information,
        Message = "Function {Function} refused the request: route values {Parameters} are not valid")]
    private static partial void LogBadRouteValue(ILogger logger, string function, IEnumerable<string> parameters);
}
