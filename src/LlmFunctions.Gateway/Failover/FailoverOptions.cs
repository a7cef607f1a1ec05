namespace LlmFunctions.Failover;

/// <summary>Settings of the failover policy, bound from <c>LlmFunctions:Failover</c>.</summary>
public sealed class FailoverOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "LlmFunctions:Failover";

    /// <summary>Gets or sets how many attempts one provider gets within one request for Transient, MalformedResponse and
    /// short RateLimited outcomes (1 to 20).</summary>
    /// <value>The default value is 3.</value>
    public int MaxAttemptsPerProvider { get; set; } = 3;

    /// <summary>Gets or sets the first retry delay; attempt n waits <c>BaseDelay × 2^(n-1)</c> ±20% jitter, capped at
    /// <see cref="MaxDelay"/> (see <see cref="Backoff"/>).</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the cap on one retry delay, jitter included.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the longest Retry-After a 429 may ask for and still be waited out on the same provider;
    /// a longer one moves on to the next provider (the health store applies the cooldown separately).</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan ShortRetryAfterThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the time all attempts and waits of one request must fit in, unless the request asks for
    /// its own.</summary>
    /// <value>The default value is 120 seconds.</value>
    public TimeSpan TotalDeadline { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets or sets the longest deadline a request may ask for; longer requests are clamped to it.</summary>
    /// <value>The default value is 300 seconds.</value>
    public TimeSpan MaxRequestDeadline { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Gets or sets how requests are spread among the callable candidates (see <see cref="SpreadingStrategy"/>
    /// and <see cref="CandidateOrder"/>): <c>priority</c>, <c>weighted</c>, <c>least-busy</c> or <c>quota-aware</c>.
    /// A route may set its own (<c>LlmFunctions:Routes:NAME:Spreading</c>).</summary>
    /// <value>The default value is <c>priority</c> (the configured order; quota-aware is opt-in, see bench/README.md).</value>
    public string Spreading { get; set; } = "priority";

    /// <summary>Gets the parsed <see cref="Spreading"/>; the validator rejects a value this cannot parse.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SpreadingStrategy SpreadingStrategy => CandidateOrder.Parse(Spreading) ?? SpreadingStrategy.Priority;

    /// <summary>Computes a request's absolute deadline: <paramref name="now"/> plus the request's own budget (clamped to
    /// 1 second .. <see cref="MaxRequestDeadline"/>) or <see cref="TotalDeadline"/>.</summary>
    /// <param name="now">The instant the request arrived, from the caller's TimeProvider.</param>
    /// <param name="requested">The request's own time budget, if it carries one.</param>
    /// <returns>The absolute deadline.</returns>
    public DateTimeOffset DeadlineFrom(DateTimeOffset now, TimeSpan? requested = null)
    {
        var budget = requested is { } own
            ? TimeSpan.FromTicks(Math.Clamp(own.Ticks, TimeSpan.TicksPerSecond, MaxRequestDeadline.Ticks))
            : TotalDeadline;
        return now + budget;
    }
}
