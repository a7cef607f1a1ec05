using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>A work item: "advance instance <paramref name="InstanceId"/>", valid only while the instance's wake token
/// is still <paramref name="Token"/>.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Token">The wake token written with the instance when this message was scheduled.</param>
/// <param name="LastError">Why the previous dequeue failed, if it did (kept for the poison reason).</param>
/// <param name="Failures">How many dequeues of this message failed. Harmless re-hides (a chained timer, a wait for
/// another step's claim) are not failures, so a long wait never looks like poison.</param>
/// <param name="SentAt">When a start message was sent: it goes out before its instance is written, so until a
/// start could still be in progress a missing instance means "not yet", not "gone".</param>
internal sealed record WorkItem(string InstanceId, string Token, string? LastError = null, int Failures = 0, DateTimeOffset? SentAt = null);

/// <summary>A received work item with what the queue needs to delete or re-time it.</summary>
internal sealed record ReceivedWorkItem(WorkItem Item, string MessageId, string PopReceipt, long DequeueCount, string RawText);

/// <summary>
/// The control queue. Durable timers are messages sent with a visibility delay: a wait holds no thread and no
/// worker slot, only a message. The queue service caps the delay at 7 days, so a longer wait is chained: the message
/// wakes early, finds the instance's wake time still ahead, and is hidden again for the rest.
/// </summary>
internal sealed class WorkQueue
{
    /// <summary>The longest visibility delay the queue service accepts.</summary>
    public static readonly TimeSpan MaxVisibilityDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;

    public WorkQueue(QueueClient queue, QueueClient poison)
    {
        _queue = queue;
        _poison = poison;
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>Clamps a wait to what one message can carry (0 .. <see cref="MaxVisibilityDelay"/>), rounded up to
    /// whole seconds: the queue service takes whole seconds and the client truncates, so a 0.8 s wait would become
    /// 0 and its message would surface (and be re-hidden, and dequeued again) until the instant came.</summary>
    public static TimeSpan VisibilityFor(TimeSpan wait) =>
        wait <= TimeSpan.Zero ? TimeSpan.Zero : wait >= MaxVisibilityDelay ? MaxVisibilityDelay : TimeSpan.FromSeconds(Math.Ceiling(wait.TotalSeconds));

    /// <summary>Sends a work item, visible after <paramref name="delay"/> (chained when longer than a message allows).</summary>
    /// <returns>The sent message, as if received: its id and pop receipt let the sender delete or re-time it.</returns>
    public async Task<ReceivedWorkItem> SendAsync(WorkItem item, TimeSpan delay, CancellationToken cancellationToken)
    {
        var text = JsonSerializer.Serialize(item);
        var receipt = (await _queue.SendMessageAsync(text, VisibilityFor(delay), NeverExpire, cancellationToken)).Value;
        return new ReceivedWorkItem(item, receipt.MessageId, receipt.PopReceipt, 0, text);
    }

    public async Task<IReadOnlyList<ReceivedWorkItem>> ReceiveAsync(int max, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        QueueMessage[] messages = await _queue.ReceiveMessagesAsync(max, visibilityTimeout, cancellationToken);
        return [.. messages.Select(m => new ReceivedWorkItem(Parse(m.MessageText), m.MessageId, m.PopReceipt, m.DequeueCount, m.MessageText))];
    }

    /// <summary>Deletes a handled message. One already gone, or received again by another step meanwhile (its pop
    /// receipt changed), is fine: that step finds the instance moved on and drops it.</summary>
    public async Task DeleteAsync(ReceivedWorkItem message, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (RequestFailedException ex) when (IsGoneOrTaken(ex))
        {
        }
    }

    /// <summary>Hides a message again for <paramref name="delay"/>; with <paramref name="lastError"/>, records a failed
    /// dequeue and why.</summary>
    public async Task HideAsync(ReceivedWorkItem message, TimeSpan delay, string? lastError, CancellationToken cancellationToken)
    {
        try
        {
            var text = lastError is null ? null : JsonSerializer.Serialize(message.Item with { LastError = lastError.Length > 2000 ? lastError[..2000] : lastError, Failures = message.Item.Failures + 1 });
            await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, text, VisibilityFor(delay), cancellationToken);
        }
        catch (RequestFailedException ex) when (IsGoneOrTaken(ex))
        {
        }
    }

    /// <summary>Moves a message that keeps failing to the poison queue.</summary>
    public async Task MoveToPoisonAsync(ReceivedWorkItem message, CancellationToken cancellationToken)
    {
        await _poison.SendMessageAsync(message.RawText, TimeSpan.Zero, NeverExpire, cancellationToken);
        await DeleteAsync(message, cancellationToken);
    }

    /// <summary>Reads the poison queue without removing anything (for operators and tests).</summary>
    public async Task<IReadOnlyList<WorkItem>> PeekPoisonAsync(CancellationToken cancellationToken)
    {
        PeekedMessage[] messages = await _poison.PeekMessagesAsync(32, cancellationToken);
        return [.. messages.Select(m => Parse(m.MessageText))];
    }

    private static bool IsGoneOrTaken(RequestFailedException ex) =>
        ex.Status == 404 || ex.ErrorCode == "PopReceiptMismatch";

    private static WorkItem Parse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<WorkItem>(text) is { InstanceId: { Length: > 0 }, Token: { Length: > 0 } } item
                ? item
                : new WorkItem(string.Empty, string.Empty, "message is not a work item");
        }
        catch (JsonException ex)
        {
            return new WorkItem(string.Empty, string.Empty, "message is not JSON: " + ex.Message);
        }
    }
}
