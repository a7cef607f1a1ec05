using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Alerts;

/// <summary>
/// Posts raised alerts to <see cref="AlertOptions.WebhookUrl"/> as <c>{"text": …}</c> (what Slack and Teams incoming
/// webhooks take), in the background, retrying a failed post with a doubling wait up to
/// <see cref="AlertOptions.DeliveryAttempts"/> tries. Without a webhook it does nothing: the monitor has logged the alert.
/// </summary>
public sealed partial class AlertNotifier : BackgroundService
{
    private readonly Channel<Alert> _alerts = Channel.CreateBounded<Alert>(new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly AlertOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertNotifier> _logger;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The webhook and the retry settings.</param>
    /// <param name="time">The clock the retry waits run on.</param>
    /// <param name="logger">The logger.</param>
    public AlertNotifier(IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertNotifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Queues an alert for delivery; returns at once.</summary>
    /// <param name="alert">The alert.</param>
    public void Enqueue(Alert alert)
    {
        if (_options.WebhookUrl is not null)
        {
            _alerts.Writer.TryWrite(alert);
        }
    }

    /// <summary>The webhook text of an alert.</summary>
    /// <param name="alert">The alert.</param>
    /// <returns>One line.</returns>
    public static string Text(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return $"[{alert.Severity.ToString().ToUpperInvariant()}] {alert.Rule} {alert.Subject}: {alert.Message}";
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var alert in _alerts.Reader.ReadAllAsync(stoppingToken))
        {
            await DeliverAsync(alert, stoppingToken);
        }
    }

    private async Task DeliverAsync(Alert alert, CancellationToken cancellationToken)
    {
        var delay = _options.DeliveryBaseDelay;
        for (var attempt = 1; ; attempt++)
        {
            string error;
            try
            {
                using var response = await _http.PostAsJsonAsync(_options.WebhookUrl, new { text = Text(alert) }, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                error = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                error = ex.HttpRequestError.ToString();
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = "timed out";
            }

            if (attempt >= _options.DeliveryAttempts)
            {
                LogGaveUp(_logger, alert.Rule, alert.Subject, attempt, error);
                return;
            }

            LogRetry(_logger, alert.Rule, alert.Subject, attempt, error, delay);
            await Task.Delay(delay, _time, cancellationToken);
            delay += delay;
        }
    }

    [LoggerMessage(EventId = 4611, Level = LogLevel.Warning, Message = "Alert {Rule} {Subject}: webhook try {Attempt} failed ({Error}); again in {Delay}")]
    private static partial void LogRetry(ILogger logger, string rule, string subject, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 4612, Level = LogLevel.Error, Message = "Alert {Rule} {Subject}: webhook gave up after {Attempts} tries ({Error}); the alert stays in the log and the alerts table")]
    private static partial void LogGaveUp(ILogger logger, string rule, string subject, int attempts, string error);
}
