using System.Text.RegularExpressions;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>Checks <see cref="DurableEngineOptions"/> against Durable Functions' rules; every message names its setting and limit.</summary>
internal sealed partial class DurableEngineOptionsValidator : IValidateOptions<DurableEngineOptions>
{
    private static readonly TimeSpan MinControlQueueVisibility = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxControlQueueVisibility = TimeSpan.FromMinutes(60);

    // DTFx checks a running activity's lock every 5 s and renews it from 30 s before expiry
    // (TaskActivityDispatcher.RenewUntil): a shorter timeout lets the message reappear while the activity still runs.
    private static readonly TimeSpan MinWorkItemVisibility = TimeSpan.FromSeconds(10);

    // The longest visibility Azure Queue Storage accepts.
    private static readonly TimeSpan MaxWorkItemVisibility = TimeSpan.FromDays(7);

    public ValidateOptionsResult Validate(string? name, DurableEngineOptions options)
    {
        var errors = new List<string>(options.ReadErrors);

        if (!HubNameRule().IsMatch(options.HubName))
        {
            errors.Add($"{DurableEngineOptions.HubNameKey} '{options.HubName}' must be 3-45 letters or digits and start with a letter (Durable's task hub name rules).");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"Setting '{options.ConnectionName}' (named by {DurableEngineOptions.ConnectionNameKey}) must hold a Storage connection string, e.g. UseDevelopmentStorage=true; it is missing.");
        }
        else if (!IsConnectionString(options.ConnectionString))
        {
            errors.Add($"Setting '{options.ConnectionName}' (named by {DurableEngineOptions.ConnectionNameKey}) is not a valid Storage connection string.");
        }

        if (options.PartitionCount is < 1 or > 16)
        {
            errors.Add($"{DurableEngineOptions.PartitionCountKey} must be between 1 and 16; it is {options.PartitionCount}.");
        }

        if (options.ControlQueueVisibilityTimeout < MinControlQueueVisibility || options.ControlQueueVisibilityTimeout > MaxControlQueueVisibility)
        {
            errors.Add($"{DurableEngineOptions.ControlQueueVisibilityTimeoutKey} must be between 00:01:00 and 01:00:00; it is {options.ControlQueueVisibilityTimeout}.");
        }

        if (options.WorkItemQueueVisibilityTimeout < MinWorkItemVisibility || options.WorkItemQueueVisibilityTimeout > MaxWorkItemVisibility)
        {
            errors.Add($"{DurableEngineOptions.WorkItemQueueVisibilityTimeoutKey} must be between 00:00:10 and 7.00:00:00; it is {options.WorkItemQueueVisibilityTimeout}.");
        }

        if (options.MaxQueuePollingInterval <= TimeSpan.Zero)
        {
            errors.Add($"{DurableEngineOptions.MaxQueuePollingIntervalKey} must be greater than zero; it is {options.MaxQueuePollingInterval}.");
        }

        if (options.MaxConcurrentActivityFunctions < 1)
        {
            errors.Add($"{DurableEngineOptions.MaxConcurrentActivityFunctionsKey} must be at least 1; it is {options.MaxConcurrentActivityFunctions}.");
        }

        if (options.MaxConcurrentOrchestratorFunctions < 1)
        {
            errors.Add($"{DurableEngineOptions.MaxConcurrentOrchestratorFunctionsKey} must be at least 1; it is {options.MaxConcurrentOrchestratorFunctions}.");
        }

        if (string.IsNullOrWhiteSpace(options.WorkerId))
        {
            errors.Add($"{DurableEngineOptions.WorkerIdKey} must not be empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsConnectionString(string connectionString)
    {
        try
        {
            _ = new QueueServiceClient(connectionString);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$", RegexOptions.CultureInvariant)]
    private static partial Regex HubNameRule();
}
