using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmFunctions.Classification;
using LlmFunctions.Failover;
using LlmFunctions.Health;
using LlmFunctions.Providers;

namespace LlmFunctions.Telemetry;

/// <summary>
/// The gateway's instruments, all on one meter named <see cref="GatewayTelemetry.Name"/>. Requests by endpoint and
/// status come from ASP.NET Core's own <c>http.server.request.duration</c>, which the hosts export next to these.
/// <list type="bullet">
/// <item><c>llmfunctions.attempts</c>: provider calls by provider, model and error class.</item>
/// <item><c>llmfunctions.attempt.duration</c> (s): how long each call took, same tags.</item>
/// <item><c>llmfunctions.time_to_first_token</c> (s): when a streamed answer's first token arrived, by provider and model.</item>
/// <item><c>llmfunctions.fallbacks</c>: attempts on a provider other than the one a request tried first.</item>
/// <item><c>llmfunctions.rate_limit.rejections</c>: requests the gateway's own per-key limits refused.</item>
/// <item><c>llmfunctions.provider.circuit_state</c> (gauge: 0 closed, 1 half-open, 2 open) and
/// <c>llmfunctions.provider.blocked_seconds</c> (gauge: how long until a cooldown, break or disable ends), per
/// provider and model, read from this host's health cache.</item>
/// </list>
/// </summary>
public sealed class GatewayMetrics
{
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _attemptDuration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _rateLimitRejections;
    private readonly Counter<long> _answers;

    /// <summary>Initializes a new instance; the gauges read the providers' health from <paramref name="health"/>.</summary>
    /// <param name="meterFactory">Creates the meter (one per service provider, disposed with it).</param>
    /// <param name="catalog">The providers and models the gauges report.</param>
    /// <param name="health">The cached health the gauges read (no I/O).</param>
    /// <param name="time">The time source for the blocked seconds.</param>
    public GatewayMetrics(IMeterFactory meterFactory, ProviderCatalog catalog, ProviderHealthCache health, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(time);
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        _attempts = meter.CreateCounter<long>("llmfunctions.attempts", "{attempt}", "Provider calls by provider, model and error class.");
        _attemptDuration = meter.CreateHistogram<double>("llmfunctions.attempt.duration", "s", "How long each provider call took.");
        _timeToFirstToken = meter.CreateHistogram<double>("llmfunctions.time_to_first_token", "s", "When a streamed answer's first token arrived.");
        _fallbacks = meter.CreateCounter<long>("llmfunctions.fallbacks", "{attempt}", "Attempts on a provider other than the one the request tried first.");
        _answers = meter.CreateCounter<long>("llmfunctions.answers", "{answer}", "Answers by the strategy that served them (provider, tier, simplified, cache, degraded, preset), route and tier.");
        _rateLimitRejections = meter.CreateCounter<long>("llmfunctions.rate_limit.rejections", "{request}", "Requests refused by the gateway's per-key rate limits.");
        meter.CreateObservableGauge("llmfunctions.provider.circuit_state", () => Observe(catalog, health, h => CircuitValue(h.Circuit)), "{state}", "0 closed, 1 half-open, 2 open.");
        meter.CreateObservableGauge("llmfunctions.provider.blocked_seconds", () => Observe(catalog, health, h => BlockedSeconds(h, time.GetUtcNow())), "s", "Seconds until the provider's cooldown, break or disable ends; 0 when callable.");
    }

    /// <summary>Starts the span of one provider call, a child of the current (request) span.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="attemptNumber">The 1-based attempt number on this provider.</param>
    /// <returns>The span, or null when no one listens.</returns>
    public static Activity? StartAttempt(ProviderKey key, int attemptNumber)
    {
        var activity = GatewayTelemetry.ActivitySource.StartActivity("llmfunctions.attempt", ActivityKind.Client);
        activity?.SetTag("llmfunctions.provider", key.Provider);
        activity?.SetTag("llmfunctions.model", key.Model);
        activity?.SetTag("llmfunctions.attempt", attemptNumber);
        return activity;
    }

    /// <summary>Counts one provider call and its duration, and ends its span's tags with the outcome.</summary>
    /// <param name="span">The span from <see cref="StartAttempt"/>, if any.</param>
    /// <param name="key">The provider and model.</param>
    /// <param name="result">The classified result.</param>
    public void RecordAttempt(Activity? span, ProviderKey key, AttemptResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var tags = Tags(key, ("error_class", result.Outcome.Class.ToString()));
        _attempts.Add(1, tags);
        _attemptDuration.Record(result.Duration.TotalSeconds, tags);
        if (span is not null)
        {
            span.SetTag("llmfunctions.error_class", result.Outcome.Class.ToString());
            span.SetTag("http.response.status_code", result.Outcome.HttpStatus);
            span.SetStatus(result.Outcome.Class == ErrorClass.Success ? ActivityStatusCode.Ok : ActivityStatusCode.Error, result.Outcome.Class == ErrorClass.Success ? null : result.Outcome.Reason);
        }
    }

    /// <summary>Records when a streamed answer's first token arrived.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="elapsed">The time from the call's start to the first token.</param>
    public void RecordTimeToFirstToken(ProviderKey key, TimeSpan elapsed) =>
        _timeToFirstToken.Record(elapsed.TotalSeconds, Tags(key));

    /// <summary>Counts a fallback when a request that has attempted another provider first is about to attempt
    /// <paramref name="to"/> for the first time.</summary>
    /// <param name="state">The request's state before the attempt.</param>
    /// <param name="to">The provider and model about to be attempted.</param>
    public void RecordFallback(FailoverState state, ProviderKey to)
    {
        if (FallbackFrom(state, to) is { } from)
        {
            _fallbacks.Add(1, new TagList { { "from_provider", from.Provider }, { "provider", to.Provider }, { "model", to.Model } });
        }
    }

    /// <summary>The provider and model a request tried first, when attempting <paramref name="to"/> now is a move to a
    /// provider it has not attempted yet; otherwise null.</summary>
    /// <param name="state">The request's state before the attempt.</param>
    /// <param name="to">The provider and model about to be attempted.</param>
    /// <returns>The first attempted key, or null when this is no fallback.</returns>
    public static ProviderKey? FallbackFrom(FailoverState state, ProviderKey to)
    {
        ArgumentNullException.ThrowIfNull(state);
        var attempted = state.History.OfType<AttemptRecord>().Select(a => a.Key).ToList();
        return attempted.Count > 0 && !attempted.Contains(to) ? attempted[0] : null;
    }

    /// <summary>Counts an answer by the step of its route that served it, and tags the current span with it.</summary>
    /// <param name="source">The step.</param>
    public void RecordAnswer(Routes.AnswerSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _answers.Add(1, new TagList { { "strategy", source.StrategyName }, { "route", source.Route ?? string.Empty }, { "tier", source.Tier ?? string.Empty } });
        Activity.Current?.SetTag("llmfunctions.strategy", source.StrategyName);
    }

    /// <summary>Counts a request refused by a per-key rate limit.</summary>
    /// <param name="keyName">The key's configured name (never its value).</param>
    /// <param name="limit">Which limit refused it, e.g. <c>requests</c> or <c>prompt_chars</c>.</param>
    public void RecordRateLimitRejection(string keyName, string limit) =>
        _rateLimitRejections.Add(1, new TagList { { "key", keyName }, { "limit", limit } });

    /// <summary>The gauge value of a circuit state.</summary>
    /// <param name="state">The state.</param>
    /// <returns>0 closed, 1 half-open, 2 open.</returns>
    public static int CircuitValue(CircuitState state) => state switch
    {
        CircuitState.Open => 2,
        CircuitState.HalfOpen => 1,
        _ => 0,
    };

    /// <summary>How long until the provider can be called again, in seconds; 0 when it can be now.</summary>
    /// <param name="health">The provider's health.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>The seconds.</returns>
    public static double BlockedSeconds(ProviderHealth health, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(health);
        var availability = health.AvailabilityAt(now);
        return availability.CanCall || availability.Until is not { } until ? 0 : Math.Max(0, (until - now).TotalSeconds);
    }

    private static IEnumerable<Measurement<T>> Observe<T>(ProviderCatalog catalog, ProviderHealthCache health, Func<ProviderHealth, T> value)
        where T : struct
    {
        foreach (var provider in catalog.Providers)
        {
            foreach (var model in provider.Models)
            {
                var key = new ProviderKey(provider.Name, model);
                yield return new Measurement<T>(value(health.Find(key) ?? ProviderHealth.New(key)), Tags(key));
            }
        }
    }

    private static TagList Tags(ProviderKey key, (string Name, string Value)? extra = null)
    {
        var tags = new TagList { { "provider", key.Provider }, { "model", key.Model } };
        if (extra is { } e)
        {
            tags.Add(e.Name, e.Value);
        }

        return tags;
    }
}
