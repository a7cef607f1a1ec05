using LlmFunctions.Failover;
using LlmFunctions.Providers;
using LlmFunctions.Routes;
using LlmFunctions.Streaming;
using static LlmFunctions.FunctionApp.Functions.ChatCompletionResults;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>
/// <c>"stream": true</c>: the same failover as a synchronous request, in this HTTP request (never handed to a durable
/// instance: a stream cannot outlive its connection), with each attempt opening the provider's stream and reading it to
/// its first token. Nothing is sent to the caller before that token, so any failure until then is an ordinary attempt
/// (classified, recorded, the next provider tried) and a request no provider can serve ends with the same JSON errors as
/// without streaming: 503 + <c>Retry-After</c> when every provider is cooling down or the next retry is further away than
/// <c>LlmFunctions:Http:SyncWaitSeconds</c>, 502 when they failed. See docs/streaming.md.
/// </summary>
public sealed partial class ChatCompletions
{
    private async Task<IResult> StreamAsync(RouteRun run, bool includeUsage, DateTimeOffset arrived, HttpResponse response, CancellationToken cancellationToken)
    {
        StreamingResponse? opened = null;
        async Task<AttemptResult?> OpenAsync(ProviderDescriptor provider, ChatRequest chat, bool mustWait, CancellationToken token)
        {
            var attempt = await caller.OpenStreamAsync(provider, chat, mustWait, token);
            opened = attempt?.Stream;
            return attempt?.Result;
        }

        try
        {
            return await RunChainAsync(
                run,
                arrived,
                OpenAsync,
                (state, wait, at) => Task.FromResult(RetryLater(at.Telemetry(state), wait.Until, wait.Reason, response)),
                (step, at) =>
                {
                    if (step.Finish!.Kind == FinishKind.Succeeded && opened is { } stream)
                    {
                        opened = null;
                        var source = AnswerSource.Of(at);
                        Announce(source, response);
                        return new ChatCompletionStreamResult(stream, at.Telemetry(step.State), step.Finish.Winner!, includeUsage, runner, classifier, time, source);
                    }

                    return Map(step, at, response);
                },
                answer =>
                {
                    Announce(answer.Source, response);
                    return new ServedStreamResult(answer, includeUsage, time.GetUtcNow());
                },
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Results.StatusCode(ClientClosedRequest);
        }
        finally
        {
            if (opened is not null)
            {
                await opened.DisposeAsync();
            }
        }
    }

    // A stream cannot wait on a durable timer: a retry further away than the in-process wait is the caller's to make.
    private IResult RetryLater(FailoverState state, DateTimeOffset until, string reason, HttpResponse response)
    {
        var retryAfter = RetryAfterSeconds(until, time.GetUtcNow());
        response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Error(
            StatusCodes.Status503ServiceUnavailable,
            "server_error",
            Invariant($"no provider can start the stream within {http.Value.SyncWaitSeconds} s ({reason}); retry after {retryAfter} s"),
            code: "retry_later",
            state: state,
            reasons: [reason]);
    }
}
