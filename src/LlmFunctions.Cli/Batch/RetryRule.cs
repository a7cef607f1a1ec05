using System.Net.Http.Headers;

namespace LlmFunctions.Cli.Batch;

/// <summary>What to do after an item's request came back with back-pressure.</summary>
/// <param name="At">When to send the item again.</param>
/// <param name="HoldUntil">Until when no item at all may start (the gateway said every provider is busy), or null.</param>
internal sealed record RetryDecision(DateTimeOffset At, DateTimeOffset? HoldUntil);

/// <summary>
/// Which answers are sent again and when. Pure: the answer, the number of requests made and the current instant in,
/// the decision out.
/// </summary>
internal static class RetryRule
{
    /// <summary>Whether the answer means "try later": the gateway answered the request itself with 429, 503 or 408, or
    /// the request never reached it (no connection). Not a 502 (the gateway already tried every provider), not another
    /// 4xx (the item is at fault), not a lost answer such as a client-side timeout (the gateway may have done the work,
    /// so sending again could pay for it twice), not a durable instance followed to its end.</summary>
    public static bool IsRetryable(GatewayAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return !answer.Record.IsSuccess && answer.Kind switch
        {
            GatewayAnswerKind.NotDelivered => true,
            GatewayAnswerKind.Answered => answer.Record.HttpStatus is 408 or 429 or 503,
            _ => false,
        };
    }

    /// <summary>The wait before the next request: the answer's <c>Retry-After</c> (delta-seconds, or an HTTP date less
    /// <paramref name="now"/>) when it has one, else 1 s, 2 s, 4 s, … after the 1st, 2nd, 3rd, … request; never above
    /// <paramref name="maxDelay"/>.</summary>
    public static TimeSpan Delay(RetryConditionHeaderValue? retryAfter, int tries, TimeSpan maxDelay, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tries, 1);
        var delay = retryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => TimeSpan.FromSeconds(Math.Pow(2, Math.Min(tries - 1, 30))),
        };
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > maxDelay ? maxDelay : delay;
    }

    /// <summary>Decides what follows an item's <paramref name="tries"/>-th request: null when its answer is final (an
    /// answer, a failure that is not back-pressure, or <paramref name="maxRetries"/> retries spent).</summary>
    public static RetryDecision? Decide(GatewayAnswer answer, int tries, int maxRetries, TimeSpan maxDelay, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (tries > maxRetries || !IsRetryable(answer))
        {
            return null;
        }

        var at = now + Delay(answer.RetryAfter, tries, maxDelay, now);

        // A 503 or 429 with Retry-After means every provider is cooling down until then: anything sent sooner, this
        // item or another, would only be refused too.
        var holdsAll = answer.RetryAfter is not null && answer.Record.HttpStatus is 429 or 503 && at > now;
        return new RetryDecision(at, holdsAll ? at : null);
    }
}
