using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace LlmFunctions.Tests.StandaloneHost.Http;

/// <summary>Counts the function class instances created, to show one per request.</summary>
public sealed class InstanceCounter
{
    private int _count;

    public int Next() => Interlocked.Increment(ref _count);
}

/// <summary>An app's own IActionResult that wraps an IResult, as the function app's results do.</summary>
public sealed class WrappedResult(IResult inner) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => inner.ExecuteAsync(context.HttpContext);
}

/// <summary>HTTP functions covering routes, methods, parameters and result kinds.</summary>
public sealed class TestHttpFunctions(InstanceCounter counter)
{
    private readonly int _instance = counter.Next();

    [Function("Hello")]
    public IActionResult Hello([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest req) =>
        new WrappedResult(Results.Text($"hello from {req.Path} instance {_instance}"));

    [Function("GetItem")]
    public static IResult GetItem([HttpTrigger(AuthorizationLevel.Function, "get", Route = "items/{id}/{name}")] HttpRequest req, int id, string name) =>
        Results.Ok(new { id, name });

    [Function("GetTyped")]
    public static Task<IResult> GetTyped([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "typed/{id:int}")] HttpRequest req, int id) =>
        Task.FromResult(Results.Text($"typed {id}"));

    [Function("Optional")]
    public static ValueTask<IActionResult> Optional([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "optional/{day?}")] HttpRequest req, DayOfWeek? day) =>
        ValueTask.FromResult<IActionResult>(new ContentResult { Content = day?.ToString() ?? "none", StatusCode = 200 });

    [Function("CatchAll")]
    public static IResult CatchAll([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "files/{*rest}")] HttpRequest req, string rest) =>
        Results.Text(rest);

    [Function("Echo")]
    public static async Task Echo([HttpTrigger(AuthorizationLevel.Anonymous, "post", "put")] HttpRequest req, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(req.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        req.HttpContext.Response.StatusCode = StatusCodes.Status201Created;
        await req.HttpContext.Response.WriteAsync($"{req.Method} {body} aborted-token:{cancellationToken == req.HttpContext.RequestAborted}", cancellationToken);
    }

    [Function("AnyMethod")]
    public static void AnyMethod([HttpTrigger(AuthorizationLevel.Anonymous, Route = "any")] HttpRequest req) =>
        req.HttpContext.Response.StatusCode = StatusCodes.Status202Accepted;

    [Function("Mvc")]
    public static IActionResult Mvc([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "mvc/{kind}")] HttpRequest req, string kind) =>
        kind == "object" ? new ObjectResult(new { kind }) { StatusCode = 200 } : new StatusCodeResult(StatusCodes.Status418ImATeapot);

    [Function("Durable")]
    public static IResult Durable([HttpTrigger(AuthorizationLevel.Function, "get", Route = "durable")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Results.Text(client.Name);
}
