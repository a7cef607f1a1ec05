namespace LlmFunctions.Classification;

/// <summary>What the body of a response can change about its status row.</summary>
internal enum BodyCheck
{
    /// <summary>The status alone decides.</summary>
    None,

    /// <summary>2xx: success only when a completion parsed.</summary>
    Completion,

    /// <summary>A 5xx whose body mentions a rate limit is <see cref="ErrorClass.RateLimited"/>.</summary>
    RateLimitInBody,

    /// <summary>A 400/422 whose body speaks of size is a payload-too-large rejection.</summary>
    SizeInBody,

    /// <summary>Always a payload-too-large rejection (413).</summary>
    AlwaysTooLarge,
}

/// <summary>One row of the status table: statuses <see cref="From"/>..<see cref="To"/> (inclusive).</summary>
/// <param name="From">The first status of the range.</param>
/// <param name="To">The last status of the range.</param>
/// <param name="Class">The class of every status in the range (before any body check).</param>
/// <param name="Check">What the body may change.</param>
/// <param name="Note">A short hint appended to the reason, when useful.</param>
internal sealed record StatusRule(int From, int To, ErrorClass Class, BodyCheck Check = BodyCheck.None, string? Note = null)
{
    /// <summary>Gets a value indicating whether <paramref name="status"/> falls in this row.</summary>
    public bool Matches(int status) => status >= From && status <= To;
}
