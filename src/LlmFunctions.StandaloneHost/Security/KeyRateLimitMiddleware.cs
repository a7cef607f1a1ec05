using System.Globalization;

namespace LlmFunctions.StandaloneHost.Security;

/// <summary>Applies the caller's key's rate limits (<see cref="KeyRateLimiter"/>) after its key was accepted: 429 with
/// <c>Retry-After</c> when over, 413 when one request's prompt is larger than the key's allowance a minute.</summary>
internal sealed class KeyRateLimitMiddleware(RequestDelegate next, KeyRateLimiter limiter, ILogger<KeyRateLimitMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<KeyMatch>() is not { } key || limiter.LimitOf(key.Name) is not { } limit)
        {
            await next(context);
            return;
        }

        var chars = limit.PromptCharsPerMinute is null ? 0 : await PromptChars.CountAsync(context.Request, context.RequestAborted);
        var decision = limiter.TryTake(key.Name, chars);
        if (decision.Allowed)
        {
            await next(context);
            return;
        }

        var setting = $"{KeyLimits.Section}:{key.Name}:{decision.Limit}";
        if (decision.NeverFits)
        {
            SecurityLog.Refused(logger, context, StatusCodes.Status413PayloadTooLarge, "prompt_over_key_limit", key.Name);
            await OpenAiErrorResponse.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "invalid_request_error", "prompt_over_key_limit",
                string.Create(CultureInfo.InvariantCulture, $"The prompt has {chars} characters, more than this key may send in a minute ({setting} = {limit.PromptCharsPerMinute})."),
                "messages");
            return;
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
        SecurityLog.Refused(logger, context, StatusCodes.Status429TooManyRequests, "rate_limit_exceeded", key.Name);
        var allowance = decision.Limit == nameof(KeyLimit.RequestsPerMinute) ? limit.RequestsPerMinute : limit.PromptCharsPerMinute;
        await OpenAiErrorResponse.WriteAsync(context, StatusCodes.Status429TooManyRequests,
            decision.Limit == nameof(KeyLimit.RequestsPerMinute) ? "requests" : "prompt_chars", "rate_limit_exceeded",
            string.Create(CultureInfo.InvariantCulture, $"Rate limit reached for this key: {setting} = {allowance}. Try again in {seconds} s."),
            retryAfterSeconds: seconds);
    }
}
