using System.Collections.Concurrent;

namespace LlmFunctions.Health;

/// <summary>What this instance knows of a provider's calls in flight: the ones that started after its last answer,
/// and when the oldest of them started.</summary>
/// <param name="Unanswered">Calls in flight that started at or after the provider's last answer on this instance.</param>
/// <param name="OldestUnansweredStart">When the oldest of them started, or null when there are none.</param>
/// <param name="LastAnswer">When the provider last answered a call from this instance, or null when it never has.</param>
public readonly record struct InFlightSnapshot(int Unanswered, DateTimeOffset? OldestUnansweredStart, DateTimeOffset? LastAnswer);

/// <summary>
/// The calls this instance has in flight, per provider and model, and when each provider last answered (any HTTP
/// answer, error statuses included: a provider that answers is not hanging). Starting a call is checked and counted
/// in one step, so concurrent requests cannot all pass the same check. In memory, per instance: see
/// <see cref="HangSuspicion"/> for why that bounds the calls a hanging provider receives across instances too.
/// </summary>
public sealed class InFlightCalls
{
    private readonly ConcurrentDictionary<ProviderKey, Calls> _calls = new();

    /// <summary>Starts a call unless <paramref name="refuse"/> gives a reason not to, given the calls in flight now.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="refuse">The check: a reason to refuse, or null to start.</param>
    /// <param name="reason">The reason the call was refused.</param>
    /// <returns>The call's id (pass it to <see cref="End"/>), or null when refused.</returns>
    public long? TryStart(ProviderKey key, DateTimeOffset now, Func<InFlightSnapshot, string?> refuse, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(refuse);
        var calls = _calls.GetOrAdd(key, _ => new Calls());
        lock (calls)
        {
            reason = refuse(calls.Snapshot());
            if (reason is not null)
            {
                return null;
            }

            var id = ++calls.NextId;
            calls.Open[id] = now;
            return id;
        }
    }

    /// <summary>Ends a call.</summary>
    /// <param name="key">The provider and model.</param>
    /// <param name="id">The id <see cref="TryStart"/> gave.</param>
    /// <param name="answered">Whether the provider answered (any HTTP status), as opposed to a timeout, a broken
    /// connection or a cancellation.</param>
    /// <param name="now">The current instant.</param>
    public void End(ProviderKey key, long id, bool answered, DateTimeOffset now)
    {
        if (!_calls.TryGetValue(key, out var calls))
        {
            return;
        }

        TaskCompletionSource? changed;
        lock (calls)
        {
            calls.Open.Remove(id);
            if (answered && now > calls.LastAnswer)
            {
                calls.LastAnswer = now;
            }

            changed = calls.Changed;
            calls.Changed = null;
        }

        changed?.TrySetResult();
    }

    /// <summary>Gives a task that completes when the next call to the provider ends: the moment a suspicion may clear.</summary>
    /// <param name="key">The provider and model.</param>
    /// <returns>The task.</returns>
    public Task NextEnd(ProviderKey key)
    {
        var calls = _calls.GetOrAdd(key, _ => new Calls());
        lock (calls)
        {
            calls.Changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return calls.Changed.Task;
        }
    }

    /// <summary>Reads what is in flight to a provider.</summary>
    /// <param name="key">The provider and model.</param>
    /// <returns>The snapshot.</returns>
    public InFlightSnapshot Snapshot(ProviderKey key)
    {
        if (!_calls.TryGetValue(key, out var calls))
        {
            return default;
        }

        lock (calls)
        {
            return calls.Snapshot();
        }
    }

    /// <summary>Counts this instance's calls in flight to a provider, answered-since or not (for least-busy spreading).</summary>
    /// <param name="key">The provider and model.</param>
    /// <returns>The number of calls started and not yet ended.</returns>
    public int Count(ProviderKey key)
    {
        if (!_calls.TryGetValue(key, out var calls))
        {
            return 0;
        }

        lock (calls)
        {
            return calls.Open.Count;
        }
    }

    private sealed class Calls
    {
        public Dictionary<long, DateTimeOffset> Open { get; } = [];

        public DateTimeOffset LastAnswer { get; set; } = DateTimeOffset.MinValue;

        public long NextId { get; set; }

        public TaskCompletionSource? Changed { get; set; }

        public InFlightSnapshot Snapshot()
        {
            var count = 0;
            DateTimeOffset? oldest = null;
            foreach (var started in Open.Values)
            {
                if (started >= LastAnswer)
                {
                    count++;
                    oldest = oldest is { } o && o <= started ? o : started;
                }
            }

            return new InFlightSnapshot(count, oldest, LastAnswer == DateTimeOffset.MinValue ? null : LastAnswer);
        }
    }
}
