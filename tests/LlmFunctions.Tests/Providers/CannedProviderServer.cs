using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace LlmFunctions.Tests.Providers;

/// <summary>What the canned server saw.</summary>
public sealed record ReceivedRequest(string Method, string RawTarget, string? Authorization, string? ContentType, string Body);

/// <summary>
/// A real Kestrel server on 127.0.0.1 (random port) that answers every request with the response the test set,
/// and records what it received. Stand-in until the project's provider simulator is available.
/// </summary>
public sealed class CannedProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile Func<HttpContext, Task> _respond = context =>
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return Task.CompletedTask;
    };

    private CannedProviderServer(WebApplication app) => _app = app;

    /// <summary>Gets the server's base URL, e.g. <c>http://127.0.0.1:53124</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Gets every request received, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    /// <summary>Starts a server on 127.0.0.1 with an OS-assigned port.</summary>
    public static async Task<CannedProviderServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var server = new CannedProviderServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Urls.Single());
        return server;
    }

    /// <summary>Answers every following request with <paramref name="respond"/>.</summary>
    public void Respond(Func<HttpContext, Task> respond) => _respond = respond;

    /// <summary>Answers every following request with a fixed status, body and headers.</summary>
    public void Respond(int status, string body, params (string Name, string Value)[] headers) =>
        Respond(async context =>
        {
            context.Response.StatusCode = status;
            foreach (var (name, value) in headers)
            {
                context.Response.Headers[name] = value;
            }

            if (body.Length > 0)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body, context.RequestAborted);
            }
        });

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToString();
        Received.Enqueue(new ReceivedRequest(
            context.Request.Method,
            rawTarget,
            context.Request.Headers.Authorization.ToString(),
            context.Request.ContentType,
            body));
        await _respond(context);
    }
}
