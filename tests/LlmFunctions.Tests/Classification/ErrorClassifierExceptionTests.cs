using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using LlmFunctions.Classification;
using Polly.Timeout;

namespace LlmFunctions.Tests.Classification;

public class ErrorClassifierExceptionTests
{
    private readonly ErrorClassifier _classifier = new(TimeProvider.System);

    private static readonly Dictionary<string, Func<Exception>> Exceptions = new()
    {
        ["OperationCanceled"] = () => new OperationCanceledException(),
        ["HttpRequestRefused"] = () => Connection(SocketError.ConnectionRefused),
        ["PollyTimeout30s"] = () => new TimeoutRejectedException(TimeSpan.FromSeconds(30)),
        ["PollyTimeout500ms"] = () => new TimeoutRejectedException(TimeSpan.FromMilliseconds(500)),
        ["TaskCanceled"] = () => new TaskCanceledException(),
        ["HttpClientTimeout"] = () => new TaskCanceledException("timed out", new TimeoutException()),
        ["Timeout"] = () => new TimeoutException(),
        ["Dns"] = () => new HttpRequestException(HttpRequestError.NameResolutionError, "no such host", new SocketException((int)SocketError.HostNotFound)),
        ["HostUnreachable"] = () => Connection(SocketError.HostUnreachable),
        ["NetworkUnreachable"] = () => Connection(SocketError.NetworkUnreachable),
        ["ConnectionReset"] = () => Connection(SocketError.ConnectionReset),
        ["Shutdown"] = () => Connection(SocketError.Shutdown),
        ["ConnectTimedOut"] = () => Connection(SocketError.TimedOut),
        ["ConnectionErrorNoSocket"] = () => new HttpRequestException(HttpRequestError.ConnectionError, "failed"),
        ["Tls"] = () => new HttpRequestException(HttpRequestError.SecureConnectionError, "ssl", new AuthenticationException()),
        ["ResponseEnded"] = () => new HttpRequestException(HttpRequestError.ResponseEnded, "ended"),
        ["HttpProtocol"] = () => new HttpRequestException(HttpRequestError.HttpProtocolError, "h2 reset"),
        ["ProxyTunnel"] = () => new HttpRequestException(HttpRequestError.ProxyTunnelError, "proxy"),
        ["InvalidResponse"] = () => new HttpRequestException(HttpRequestError.InvalidResponse, "garbage"),
        ["UnknownWithResetInside"] = () => new HttpRequestException(HttpRequestError.Unknown, "send failed",
            new IOException("io", new SocketException((int)SocketError.ConnectionReset))),
        ["UnknownBare"] = () => new HttpRequestException("send failed"),
        ["StatusWrapped403"] = () => new HttpRequestException("403", null, HttpStatusCode.Forbidden),
        ["StatusWrapped429"] = () => new HttpRequestException("429", null, HttpStatusCode.TooManyRequests),
        ["Socket"] = () => new SocketException((int)SocketError.ConnectionRefused),
        ["SocketOther"] = () => new SocketException((int)SocketError.AddressAlreadyInUse),
        ["IO"] = () => new IOException("broken"),
        ["Json"] = () => new JsonException("bad"),
        ["WrappedRefused"] = () => new InvalidOperationException("provider failed", Connection(SocketError.ConnectionRefused)),
        ["AggregateRefused"] = () => new AggregateException(Connection(SocketError.ConnectionRefused)),
        ["Other"] = () => new InvalidOperationException("boom"),
        ["NotSupported"] = () => new NotSupportedException(),
    };

    public static TheoryData<string, bool, ErrorClass, string> ExceptionRows => new()
    {
        { "OperationCanceled", true, ErrorClass.Cancelled, "cancelled by caller" },
        { "HttpRequestRefused", true, ErrorClass.Cancelled, "cancelled by caller" },
        { "OperationCanceled", false, ErrorClass.Transient, "timeout" },
        { "TaskCanceled", false, ErrorClass.Transient, "timeout" },
        { "HttpClientTimeout", false, ErrorClass.Transient, "timeout" },
        { "PollyTimeout30s", false, ErrorClass.Transient, "timeout after 30s" },
        { "PollyTimeout500ms", false, ErrorClass.Transient, "timeout after 500ms" },
        { "Timeout", false, ErrorClass.Transient, "timeout" },
        { "Dns", false, ErrorClass.Transient, "DNS failure" },
        { "HttpRequestRefused", false, ErrorClass.Transient, "connection refused" },
        { "HostUnreachable", false, ErrorClass.Transient, "host unreachable" },
        { "NetworkUnreachable", false, ErrorClass.Transient, "network unreachable" },
        { "ConnectionReset", false, ErrorClass.Transient, "connection reset" },
        { "Shutdown", false, ErrorClass.Transient, "broken pipe" },
        { "ConnectTimedOut", false, ErrorClass.Transient, "connect timeout" },
        { "ConnectionErrorNoSocket", false, ErrorClass.Transient, "connection failed" },
        { "Tls", false, ErrorClass.Transient, "TLS failure" },
        { "ResponseEnded", false, ErrorClass.Transient, "connection closed" },
        { "HttpProtocol", false, ErrorClass.Transient, "HTTP protocol error" },
        { "ProxyTunnel", false, ErrorClass.Transient, "proxy tunnel failure" },
        { "InvalidResponse", false, ErrorClass.MalformedResponse, "invalid HTTP response" },
        { "UnknownWithResetInside", false, ErrorClass.Transient, "connection reset" },
        { "UnknownBare", false, ErrorClass.Transient, "HTTP request failed" },
        { "StatusWrapped403", false, ErrorClass.AuthFailed, "HTTP 403 Forbidden" },
        { "StatusWrapped429", false, ErrorClass.RateLimited, "HTTP 429 Too Many Requests" },
        { "Socket", false, ErrorClass.Transient, "connection refused" },
        { "SocketOther", false, ErrorClass.Transient, "socket error AddressAlreadyInUse" },
        { "IO", false, ErrorClass.Transient, "network I/O error" },
        { "Json", false, ErrorClass.MalformedResponse, "malformed JSON" },
        { "WrappedRefused", false, ErrorClass.Transient, "connection refused" },
        { "AggregateRefused", false, ErrorClass.Transient, "connection refused" },
        { "Other", false, ErrorClass.Unexpected, "unexpected InvalidOperationException" },
        { "NotSupported", false, ErrorClass.Unexpected, "unexpected NotSupportedException" },
    };

    [Theory]
    [MemberData(nameof(ExceptionRows))]
    public void Classify_Exception_MatchesSpecRow(string exception, bool cancelledByCaller, ErrorClass expectedClass, string expectedReason)
    {
        var outcome = _classifier.Classify(Exceptions[exception](), cancelledByCaller);

        Assert.Equal(expectedClass, outcome.Class);
        Assert.Equal(expectedReason, outcome.Reason);
        Assert.False(outcome.PayloadTooLarge);
    }

    [Fact]
    public void Classify_NetworkException_HasNoHttpStatus()
    {
        var outcome = _classifier.Classify(Connection(SocketError.ConnectionRefused), cancelledByCaller: false);

        Assert.Null(outcome.HttpStatus);
        Assert.Null(outcome.BodyExcerpt);
    }

    [Fact]
    public async Task Classify_CancelledCallerToken_IsCancelled()
    {
        using var caller = new CancellationTokenSource();
        await caller.CancelAsync();

        var outcome = _classifier.Classify(new OperationCanceledException(caller.Token), caller.Token);

        Assert.Equal(ErrorClass.Cancelled, outcome.Class);
    }

    [Fact]
    public async Task Classify_CancellationFromOtherToken_IsTimeout()
    {
        using var caller = new CancellationTokenSource();
        using var timeout = new CancellationTokenSource();
        await timeout.CancelAsync();

        var outcome = _classifier.Classify(new OperationCanceledException(timeout.Token), caller.Token);

        Assert.Equal(ErrorClass.Transient, outcome.Class);
        Assert.Equal("timeout", outcome.Reason);
    }

    private static HttpRequestException Connection(SocketError error) =>
        new(HttpRequestError.ConnectionError, "connect failed", new SocketException((int)error));
}
