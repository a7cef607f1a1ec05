using System.Text.Json;
using LlmFunctions.Failover;
using Microsoft.DurableTask;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// Thrown by the <c>AttemptProvider</c> activity when the provider failed in a way worth retrying on the same provider
/// (transient or malformed), so that Durable's own retry (<see cref="TaskOptions"/> with the prompt's retry handler)
/// schedules the next try. The message is the attempt's <see cref="AttemptReport"/> as JSON: the failure details are
/// the only thing a failed activity hands back to its orchestration.
/// </summary>
public sealed class TransientAttemptException : Exception
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Initializes a new instance of the <see cref="TransientAttemptException"/> class.</summary>
    /// <param name="report">The failed attempt.</param>
    public TransientAttemptException(AttemptReport report)
        : base(JsonSerializer.Serialize(report, Json))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TransientAttemptException"/> class.</summary>
    public TransientAttemptException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TransientAttemptException"/> class.</summary>
    /// <param name="message">The report as JSON.</param>
    public TransientAttemptException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TransientAttemptException"/> class.</summary>
    /// <param name="message">The report as JSON.</param>
    /// <param name="innerException">The cause.</param>
    public TransientAttemptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Reads the report back from a failed activity's details.</summary>
    /// <param name="failure">The failure of an <c>AttemptProvider</c> activity.</param>
    /// <returns>The report, or null when the failure is not one of these.</returns>
    public static AttemptReport? ReadReport(TaskFailureDetails? failure)
    {
        if (failure is null || !failure.IsCausedBy<TransientAttemptException>())
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<AttemptReport>(failure.ErrorMessage, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
