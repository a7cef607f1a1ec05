namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>An instance's runtime status, named as Durable Functions names it.</summary>
internal enum RuntimeStatus
{
    /// <summary>Created; no step has run yet.</summary>
    Pending,

    /// <summary>A step is running or a durable timer is pending.</summary>
    Running,

    /// <summary>A provider answered; the output holds the completion.</summary>
    Completed,

    /// <summary>The request ended without an answer (every provider failed, rejected, too large, deadline), or a
    /// work item kept failing; the output says why.</summary>
    Failed,

    /// <summary>Ended by an operator.</summary>
    Terminated,

    /// <summary>Paused by an operator; resume continues it.</summary>
    Suspended,
}

/// <summary>Status helpers.</summary>
internal static class RuntimeStatusExtensions
{
    public static bool IsTerminal(this RuntimeStatus status) =>
        status is RuntimeStatus.Completed or RuntimeStatus.Failed or RuntimeStatus.Terminated;
}
