using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// Settings of the durable orchestration, bound from <c>LlmFunctions</c> (<c>host.json</c> →
/// <c>extensions.llmFunctions</c>: <c>taskHub</c> and the <c>orchestration</c> section).
/// </summary>
internal sealed class OrchestrationOptions
{
    public const string SectionName = "LlmFunctions:Orchestration";

    public const string TaskHubSetting = "LlmFunctions:TaskHub";

    /// <summary>Gets or sets how many times a queue message may be dequeued before it moves to the poison queue
    /// and its instance fails.</summary>
    /// <value>The default value is 5.</value>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Gets or sets how many messages one poll takes (the queue service allows 1 to 32).</summary>
    /// <value>The default value is 32.</value>
    public int BatchSize { get; set; } = 32;

    /// <summary>Gets or sets how many orchestration steps one host runs at once.</summary>
    /// <value>The default value is 64.</value>
    public int MaxConcurrentSteps { get; set; } = 64;

    /// <summary>Gets or sets the longest pause between polls of an empty queue (polls back off from 10 ms up to it).</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a received message stays invisible to other hosts, and how long a host's claim
    /// on an instance lasts: after a crash the step is taken up again this long later. Must exceed the longest
    /// provider attempt.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the delay before a failed step's message is retried; it doubles with every dequeue
    /// (at most 1 minute).</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan FailedStepRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Validates <see cref="OrchestrationOptions"/>, naming the setting and its value.</summary>
internal sealed class OrchestrationOptionsValidator : IValidateOptions<OrchestrationOptions>
{
    private const string S = OrchestrationOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, OrchestrationOptions options)
    {
        var errors = new List<string>();
        Range(errors, "MaxDequeueCount", options.MaxDequeueCount, 1, 100);
        Range(errors, "BatchSize", options.BatchSize, 1, 32);
        Range(errors, "MaxConcurrentSteps", options.MaxConcurrentSteps, 1, 1000);
        Range(errors, "MaxPollingInterval", options.MaxPollingInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        Range(errors, "MessageVisibilityTimeout", options.MessageVisibilityTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));
        Range(errors, "FailedStepRetryDelay", options.FailedStepRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{S}:{setting} must be between {min} and {max}, was {value}"));
        }
    }

    private static void Range(List<string> errors, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{S}:{setting} must be between {min:c} and {max:c}, was {value:c}"));
        }
    }
}

/// <summary>The storage names of one task hub, derived as Durable Functions derives them from the hub's name.</summary>
/// <param name="TaskHub">The task hub's name: 3 to 45 letters or digits, starting with a letter.</param>
internal sealed partial record TaskHubNames(string TaskHub)
{
    /// <summary>Gets the table holding one row per instance and its history rows (partition = instance id).</summary>
    public string InstancesTable => TaskHub + "Instances";

    /// <summary>Gets the queue that carries orchestration work items and durable timers.</summary>
    public string ControlQueue => TaskHub.ToLowerInvariant() + "-control";

    /// <summary>Gets the queue a message moves to after too many failed dequeues.</summary>
    public string PoisonQueue => TaskHub.ToLowerInvariant() + "-control-poison";

    /// <summary>Gets the blob container holding inputs, outputs and checkpoints too large for a table property.</summary>
    public string LargePayloadContainer => TaskHub.ToLowerInvariant() + "-largemessages";

    /// <summary>Reads and validates the hub's name from <see cref="OrchestrationOptions.TaskHubSetting"/>.</summary>
    public static TaskHubNames FromConfiguration(IConfiguration configuration)
    {
        var name = configuration[OrchestrationOptions.TaskHubSetting];
        if (string.IsNullOrWhiteSpace(name))
        {
            name = "LlmFunctionsHub";
        }

        return ValidName().IsMatch(name)
            ? new TaskHubNames(name)
            : throw new InvalidOperationException($"{OrchestrationOptions.TaskHubSetting} must be 3 to 45 letters or digits starting with a letter, was '{name}'");
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex ValidName();
}
