using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LlmFunctions.Tests.StandaloneHost.Http;

/// <summary>A function taking FunctionContext, which the standalone host refuses at start-up.</summary>
public static class WithFunctionContext
{
    [Function("TakesContext")]
    public static IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req, FunctionContext context) => new OkResult();
}

/// <summary>A function taking an ILogger parameter, which the worker does not bind.</summary>
public static class WithLoggerParameter
{
    [Function("TakesLogger")]
    public static IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req, ILogger log) => new OkResult();
}

/// <summary>A function with a parameter that is neither bindable nor in its route.</summary>
public static class WithUnroutedParameter
{
    [Function("Unrouted")]
    public static IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things/{id}")] HttpRequest req, string other) => new OkResult();
}

/// <summary>A function returning a string, which the standalone host does not turn into a response.</summary>
public static class WithStringResult
{
    [Function("ReturnsString")]
    public static string Run([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req) => "text";
}
