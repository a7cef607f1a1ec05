using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using LlmFunctions.Providers;
using LlmFunctions.Security;
using LlmFunctions.Streaming;
using Polly.Timeout;

namespace LlmFunctions.Classification;

/// <summary>
/// The one place that turns a provider attempt — an HTTP response or an exception — into an
/// <see cref="AttemptOutcome"/>. Total: every status and every exception gets exactly one class.
/// Pure apart from reading the clock (for Retry-After dates).
/// </summary>
public sealed class ErrorClassifier
{
    private static readonly string[] RateLimitPhrases =
        ["rate limit", "ratelimit", "rate_limit", "too many requests", "429"];

    private static readonly string[] SizePhrases =
    [
        "too long", "too large", "maximum context", "context length", "context_length_exceeded",
        "max_tokens", "input length", "exceeds the maximum", "payload",
    ];

    private readonly TimeProvider _timeProvider;
    private readonly SecretRedactor _redactor;

    /// <summary>Initializes a new instance of the <see cref="ErrorClassifier"/> class.</summary>
    /// <param name="timeProvider">The clock used to resolve Retry-After and reset headers.</param>
    /// <param name="redactor">Redacts body excerpts once more before they leave the classifier.</param>
    public ErrorClassifier(TimeProvider timeProvider, SecretRedactor? redactor = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _redactor = redactor ?? new SecretRedactor();
    }

    /// <summary>Classifies an HTTP response by its status, headers and body.</summary>
    /// <param name="response">What the provider answered.</param>
    /// <returns>The outcome.</returns>
    public AttemptOutcome Classify(ProviderResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = response.StatusCode;
        var rule = StatusTable.Find(status);
        var body = response.BodyExcerpt ?? string.Empty;
        var reason = HttpStatusText.Format(status);
        var outcome = new AttemptOutcome
        {
            Class = rule.Class,
            HttpStatus = status,
            Reason = rule.Note is null ? reason : $"{reason} ({rule.Note})",
            BodyExcerpt = body.Length == 0 ? null : _redactor.Redact(body),
            Quota = RetryAfterParser.ParseQuota(response.RateLimitHeaders, _timeProvider.GetUtcNow()),
        };

        switch (rule.Check)
        {
            case BodyCheck.Completion when response.Completion is null:
                return outcome with
                {
                    Class = ErrorClass.MalformedResponse,
                    Reason = $"{reason} (malformed body: {response.ParseError ?? "no completion"})",
                };
            case BodyCheck.RateLimitInBody when ContainsAny(body, RateLimitPhrases):
                return RateLimited(outcome with { Class = ErrorClass.RateLimited }, response, reason, "rate limit in body");
            case BodyCheck.SizeInBody when ContainsAny(body, SizePhrases):
            case BodyCheck.AlwaysTooLarge:
                return outcome with { PayloadTooLarge = true, Reason = $"{reason} (payload too large)" };
            default:
                return rule.Class == ErrorClass.RateLimited ? RateLimited(outcome, response, reason, note: null) : outcome;
        }
    }

    /// <summary>Classifies a stream that reached its first content or tool-call delta: a success (what happens after
    /// it is classified separately, from the exception that ends the stream, if any).</summary>
    /// <param name="status">The stream's HTTP status.</param>
    /// <returns>The outcome.</returns>
    public static AttemptOutcome ClassifyFirstToken(int status) =>
        new() { Class = ErrorClass.Success, HttpStatus = status, Reason = $"{HttpStatusText.Format(status)} (first token)" };

    /// <summary>Classifies a stream that reached its first token, with the window its <c>x-ratelimit-*</c> headers
    /// report (see <see cref="RetryAfterParser.ParseQuota"/>).</summary>
    /// <param name="status">The stream's HTTP status.</param>
    /// <param name="rateLimitHeaders">The stream's <c>x-ratelimit-*</c> response headers.</param>
    /// <returns>The outcome.</returns>
    public AttemptOutcome ClassifyFirstToken(int status, IReadOnlyDictionary<string, string>? rateLimitHeaders) =>
        ClassifyFirstToken(status) with { Quota = RetryAfterParser.ParseQuota(rateLimitHeaders, _timeProvider.GetUtcNow()) };

    /// <summary>Classifies an exception thrown by an attempt.</summary>
    /// <param name="exception">What was thrown.</param>
    /// <param name="cancelledByCaller">True when the caller's own token was cancelled: the outcome is
    /// <see cref="ErrorClass.Cancelled"/> whatever the exception.</param>
    /// <returns>The outcome.</returns>
    public AttemptOutcome Classify(Exception exception, bool cancelledByCaller)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (cancelledByCaller)
        {
            return Outcome(ErrorClass.Cancelled, "cancelled by caller");
        }

        return ClassifyChain(exception) ?? Outcome(ErrorClass.Unexpected, $"unexpected {exception.GetType().Name}");
    }

    /// <summary>Classifies an exception, treating it as the caller's cancellation when
    /// <paramref name="callerToken"/> has been cancelled.</summary>
    /// <param name="exception">What was thrown.</param>
    /// <param name="callerToken">The caller's token (not a linked or timeout token).</param>
    /// <returns>The outcome.</returns>
    public AttemptOutcome Classify(Exception exception, CancellationToken callerToken) =>
        Classify(exception, callerToken.IsCancellationRequested);

    /// <summary>Formats a duration compactly for reasons: "850ms", "12s", "1.5s".</summary>
    /// <param name="duration">The duration.</param>
    /// <returns>The text.</returns>
    internal static string FormatDuration(TimeSpan duration) =>
        duration < TimeSpan.FromSeconds(1)
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)duration.TotalMilliseconds)}ms")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Round(duration.TotalSeconds, 1)}s");

    private static bool ContainsAny(string body, string[] phrases)
    {
        foreach (var phrase in phrases)
        {
            if (body.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private AttemptOutcome RateLimited(AttemptOutcome outcome, ProviderResponse response, string reason, string? note)
    {
        var now = _timeProvider.GetUtcNow();
        var retryAt = RetryAfterParser.GetRetryAt(response.RetryAfter, response.RateLimitHeaders, now);
        string?[] notes = [note, retryAt is { } at ? $"retry after {FormatSeconds(at - now)}" : null];
        var details = string.Join(", ", notes.OfType<string>());
        return outcome with
        {
            RetryAt = retryAt,
            Reason = details.Length == 0 ? reason : $"{reason} ({details})",
        };
    }

    private static string FormatSeconds(TimeSpan wait) =>
        string.Create(CultureInfo.InvariantCulture, $"{(long)Math.Ceiling(Math.Max(0, wait.TotalSeconds))}s");

    private static AttemptOutcome Outcome(ErrorClass errorClass, string reason) =>
        new() { Class = errorClass, Reason = reason };

    private AttemptOutcome? ClassifyChain(Exception exception)
    {
        for (var current = exception; current is not null; current = Inner(current))
        {
            if (ClassifyOne(current) is { } outcome)
            {
                return outcome;
            }
        }

        return null;
    }

    private static Exception? Inner(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: > 0 } aggregate
            ? aggregate.InnerExceptions[0]
            : exception.InnerException;

    private AttemptOutcome? ClassifyOne(Exception exception) => exception switch
    {
        // A status wrapped into an exception (EnsureSuccessStatusCode) is still a status: never lose it.
        HttpRequestException { StatusCode: { } status } => Classify(new ProviderResponse { StatusCode = (int)status }),
        HttpRequestException http => FromHttpRequestError(http),
        TimeoutRejectedException rejected => Outcome(ErrorClass.Transient, $"timeout after {FormatDuration(rejected.Timeout)}"),
        OperationCanceledException or TimeoutException => Outcome(ErrorClass.Transient, "timeout"),
        SocketException socket => FromSocket(socket),
        JsonException => Outcome(ErrorClass.MalformedResponse, "malformed JSON"),
        StreamFailureException stream => FromStream(stream),
        IOException io => io.InnerException is { } inner && ClassifyChain(inner) is { } innerOutcome
            ? innerOutcome
            : Outcome(ErrorClass.Transient, "network I/O error"),
        _ => null,
    };

    private AttemptOutcome FromHttpRequestError(HttpRequestException http) => http.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => Outcome(ErrorClass.Transient, "DNS failure"),
        HttpRequestError.ConnectionError => FindSocket(http) is { } socket
            ? FromSocket(socket)
            : Outcome(ErrorClass.Transient, "connection failed"),
        HttpRequestError.SecureConnectionError => Outcome(ErrorClass.Transient, "TLS failure"),
        HttpRequestError.ResponseEnded => Outcome(ErrorClass.Transient, "connection closed"),
        HttpRequestError.HttpProtocolError => Outcome(ErrorClass.Transient, "HTTP protocol error"),
        HttpRequestError.ProxyTunnelError => Outcome(ErrorClass.Transient, "proxy tunnel failure"),
        HttpRequestError.InvalidResponse => Outcome(ErrorClass.MalformedResponse, "invalid HTTP response"),
        HttpRequestError.ConfigurationLimitExceeded => Outcome(ErrorClass.MalformedResponse, "response exceeded configured limits"),
        HttpRequestError.UserAuthenticationError => Outcome(ErrorClass.AuthFailed, "HTTP authentication failed"),
        HttpRequestError.VersionNegotiationError => Outcome(ErrorClass.Unexpected, "HTTP version negotiation failed"),
        HttpRequestError.ExtendedConnectNotSupported => Outcome(ErrorClass.Unexpected, "extended CONNECT not supported"),
        _ => (http.InnerException is { } inner ? ClassifyChain(inner) : null)
            ?? Outcome(ErrorClass.Transient, "HTTP request failed"),
    };

    private AttemptOutcome FromStream(StreamFailureException stream) => stream.Failure switch
    {
        StreamFailure.FirstTokenTimeout => Outcome(ErrorClass.Transient, $"no first token within {FormatDuration(stream.Timeout ?? TimeSpan.Zero)}"),
        StreamFailure.IdleTimeout => Outcome(ErrorClass.Transient, $"stream stalled: no event within {FormatDuration(stream.Timeout ?? TimeSpan.Zero)}"),
        StreamFailure.EndedBeforeFirstToken => Outcome(ErrorClass.MalformedResponse, stream.Message),
        StreamFailure.EndedWithoutDone => Outcome(ErrorClass.Transient, "stream cut: " + stream.Message),
        StreamFailure.ErrorEvent => Classify(new ProviderResponse { StatusCode = stream.Status ?? 500, BodyExcerpt = stream.Message }) is var outcome
            ? outcome with { HttpStatus = stream.Status, Reason = "error event in the stream: " + outcome.Reason }
            : null!,
        _ => Outcome(ErrorClass.MalformedResponse, "malformed stream: " + stream.Message),
    };

    private static SocketException? FindSocket(Exception exception)
    {
        for (var current = exception.InnerException; current is not null; current = current.InnerException)
        {
            if (current is SocketException socket)
            {
                return socket;
            }
        }

        return null;
    }

    private static AttemptOutcome FromSocket(SocketException socket) => socket.SocketErrorCode switch
    {
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => Outcome(ErrorClass.Transient, "DNS failure"),
        SocketError.ConnectionRefused => Outcome(ErrorClass.Transient, "connection refused"),
        SocketError.HostUnreachable or SocketError.HostDown => Outcome(ErrorClass.Transient, "host unreachable"),
        SocketError.NetworkUnreachable or SocketError.NetworkDown => Outcome(ErrorClass.Transient, "network unreachable"),
        SocketError.ConnectionReset => Outcome(ErrorClass.Transient, "connection reset"),
        SocketError.ConnectionAborted => Outcome(ErrorClass.Transient, "connection aborted"),
        SocketError.Shutdown => Outcome(ErrorClass.Transient, "broken pipe"),
        SocketError.TimedOut => Outcome(ErrorClass.Transient, "connect timeout"),
        var code => Outcome(ErrorClass.Transient, $"socket error {code}"),
    };
}
