using static LlmFunctions.Classification.BodyCheck;
using static LlmFunctions.Classification.ErrorClass;

namespace LlmFunctions.Classification;

/// <summary>
/// The one table that maps every HTTP status to a class. The rows are contiguous and cover every
/// <see cref="int"/>, so no status can fall through (a test enforces this).
/// </summary>
internal static class StatusTable
{
    /// <summary>Gets the rows, ordered by status.</summary>
    public static IReadOnlyList<StatusRule> Rules { get; } =
    [
        new(int.MinValue, 99, Unexpected, Note: "not an HTTP status"),
        new(100, 199, Unexpected, Note: "informational"),
        new(200, 299, Success, Completion),
        new(300, 399, NotFound, Note: "endpoint moved; fix the base URL"),
        new(400, 400, RequestRejected, SizeInBody),
        new(401, 401, AuthFailed),
        new(402, 402, QuotaExhausted),
        new(403, 403, AuthFailed),
        new(404, 405, NotFound),
        new(406, 406, Unexpected),
        new(407, 407, AuthFailed),
        new(408, 409, Transient),
        new(410, 410, NotFound),
        new(411, 412, Unexpected),
        new(413, 413, RequestRejected, AlwaysTooLarge),
        new(414, 414, RequestRejected),
        new(415, 421, Unexpected),
        new(422, 422, RequestRejected, SizeInBody),
        new(423, 424, Unexpected),
        new(425, 425, Transient),
        new(426, 428, Unexpected),
        new(429, 429, RateLimited),
        new(430, 430, Unexpected),
        new(431, 431, RequestRejected),
        new(432, 499, Unexpected),
        new(500, 500, Transient, RateLimitInBody),
        new(501, 501, NotFound, Note: "not implemented"),
        new(502, 599, Transient, RateLimitInBody),
        new(600, int.MaxValue, Unexpected, Note: "not an HTTP status"),
    ];

    /// <summary>Finds the row for a status. Total: every int has exactly one row.</summary>
    /// <param name="status">The HTTP status code.</param>
    /// <returns>The matching row.</returns>
    public static StatusRule Find(int status)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(status))
            {
                return rule;
            }
        }

        throw new InvalidOperationException($"The status table has a gap at {status}.");
    }
}
