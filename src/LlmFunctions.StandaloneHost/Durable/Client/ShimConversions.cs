// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.
//
// Ported from durabletask-dotnet src/Client/OrchestrationServiceClientShim/ShimExtensions.cs (v1.25.0, commit
// ec413503) because the Microsoft.DurableTask.Client.OrchestrationServiceClientShim package does not restore here.
// Entity conversions dropped (no entity support).
using System.Diagnostics.CodeAnalysis;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Core = DurableTask.Core;

namespace LlmFunctions.StandaloneHost.Durable.Client;

/// <summary>Conversions between DurableTask.Core types and the durabletask-dotnet client's.</summary>
internal static class ShimConversions
{
    public static OrchestrationRuntimeStatus ConvertFromCore(this Core.OrchestrationStatus status)
    {
#pragma warning disable CS0618 // Canceled is obsolete; converted for completeness.
        return status switch
        {
            Core.OrchestrationStatus.Running => OrchestrationRuntimeStatus.Running,
            Core.OrchestrationStatus.Completed => OrchestrationRuntimeStatus.Completed,
            Core.OrchestrationStatus.ContinuedAsNew => OrchestrationRuntimeStatus.ContinuedAsNew,
            Core.OrchestrationStatus.Failed => OrchestrationRuntimeStatus.Failed,
            Core.OrchestrationStatus.Canceled => OrchestrationRuntimeStatus.Canceled,
            Core.OrchestrationStatus.Terminated => OrchestrationRuntimeStatus.Terminated,
            Core.OrchestrationStatus.Pending => OrchestrationRuntimeStatus.Pending,
            Core.OrchestrationStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
            _ => (OrchestrationRuntimeStatus)(int)status,
        };
#pragma warning restore CS0618
    }

    public static Core.OrchestrationStatus ConvertToCore(this OrchestrationRuntimeStatus status)
    {
#pragma warning disable CS0618 // Canceled is obsolete; converted for completeness.
        return status switch
        {
            OrchestrationRuntimeStatus.Running => Core.OrchestrationStatus.Running,
            OrchestrationRuntimeStatus.Completed => Core.OrchestrationStatus.Completed,
            OrchestrationRuntimeStatus.ContinuedAsNew => Core.OrchestrationStatus.ContinuedAsNew,
            OrchestrationRuntimeStatus.Failed => Core.OrchestrationStatus.Failed,
            OrchestrationRuntimeStatus.Canceled => Core.OrchestrationStatus.Canceled,
            OrchestrationRuntimeStatus.Terminated => Core.OrchestrationStatus.Terminated,
            OrchestrationRuntimeStatus.Pending => Core.OrchestrationStatus.Pending,
            OrchestrationRuntimeStatus.Suspended => Core.OrchestrationStatus.Suspended,
            _ => (Core.OrchestrationStatus)(int)status,
        };
#pragma warning restore CS0618
    }

    [return: NotNullIfNotNull(nameof(details))]
    public static TaskFailureDetails? ConvertFromCore(this Core.FailureDetails? details) =>
        details is null
            ? null
            : new TaskFailureDetails(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure?.ConvertFromCore(), details.Properties);

    public static PurgeResult ConvertFromCore(this Core.PurgeResult result) => new(result.DeletedInstanceCount);

    public static Core.PurgeInstanceFilter ConvertToCore(this PurgeInstancesFilter filter) =>
        new(
            (filter.CreatedFrom ?? default).UtcDateTime,
            filter.CreatedTo?.UtcDateTime,
            filter.Statuses?.Select(x => x.ConvertToCore()));
}
