namespace LlmFunctions.Cli.Batch;

/// <summary>
/// Sends a batch's items through the gateway with adaptive concurrency, appending each outcome to the results file
/// as it comes. Resumable: items the file already holds are skipped. A library, so that a benchmark can drive it
/// in-process; the <c>batch</c> command is a shell around it.
/// </summary>
public sealed class BatchRunner
{
    private readonly HttpClient _http;
    private readonly BatchRunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly IBatchProgress _progress;
    private readonly Lock _gate = new();

    /// <summary>A runner; <paramref name="http"/> is used as is (its timeout bounds each request).</summary>
    public BatchRunner(HttpClient http, BatchRunnerOptions options, TimeProvider? time = null, IBatchProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }

        _http = http;
        _options = options;
        _time = time ?? TimeProvider.System;
        _progress = progress ?? NoProgress.Instance;
    }

    /// <summary>
    /// Runs the items not yet in the results file. An item whose answer is back-pressure (see <see cref="RetryRule"/>)
    /// is sent again later, up to <see cref="BatchRunnerOptions.Retries"/> times, and recorded only with its final
    /// answer. <paramref name="stop"/> stops starting items and lets those in flight finish for up to
    /// <see cref="BatchRunnerOptions.StopGrace"/>; <paramref name="abort"/> abandons them at once. Abandoned items and
    /// items waiting to be sent again are not recorded. Nothing is ever recorded twice or half.
    /// </summary>
    public async Task<BatchRunResult> RunAsync(IReadOnlyList<BatchItem> items, CancellationToken stop = default, CancellationToken abort = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var (file, existing) = ResultsFile.Open(_options.ResultsPath);
        using (file)
        {
            var recorded = existing.Records.ToDictionary(r => r.Index);
            var fresh = new Queue<BatchItem>(items.Where(i => !recorded.ContainsKey(i.Index)));
            var skipped = items.Count - fresh.Count;
            var indices = items.Select(i => i.Index).ToHashSet();
            var earlier = existing.Records.Where(r => indices.Contains(r.Index)).ToList();
            var run = new Run(items.Count, skipped, earlier.Count(r => r.IsSuccess), earlier.Count(r => !r.IsSuccess));
            if (existing.TornLineRemoved)
            {
                _progress.Notice($"{_options.ResultsPath}: a partial last line (an interrupted write) was removed; its item runs again");
            }

            if (skipped > 0)
            {
                _progress.Notice($"resuming: {skipped} of {items.Count} items already recorded in {_options.ResultsPath}");
            }

            var aimd = new AimdController(_options.Aimd, _time);
            var client = new GatewayClient(_http, _options, _time);
            var started = _time.GetTimestamp();
            var startedAt = _time.GetUtcNow();
            var timeline = new List<TimelinePoint>();

            // Items to send again, soonest first; the sequence keeps items due at the same instant in arrival order.
            var retries = new PriorityQueue<Pending, (DateTimeOffset At, long Sequence)>();
            var sequence = 0L;
            var holdUntil = DateTimeOffset.MinValue;
            using var changed = new SemaphoreSlim(0);
            var inFlight = new List<Task>();
            var sent = 0;
            var abandoned = 0;
            ITimer? grace = null;
            using var halt = CancellationTokenSource.CreateLinkedTokenSource(stop, abort);
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(abort);
            using var stopping = stop.Register(() =>
            {
                run.Stopping = true;
                _progress.Notice(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"stopping: no new items or retries; waiting up to {_options.StopGrace.TotalSeconds:0} s for those in flight"));
                changed.Release();
                if (_options.StopGrace <= TimeSpan.Zero)
                {
                    abandon.Cancel();
                }
                else
                {
                    grace = _time.CreateTimer(_ => abandon.Cancel(), null, _options.StopGrace, Timeout.InfiniteTimeSpan);
                }
            });

            void Snapshot(TimeSpan elapsed)
            {
                var done = run.Succeeded + run.Failed - run.Skipped;
                TimeSpan? eta = done > 0 ? elapsed / done * (run.Total - run.Succeeded - run.Failed) : null;
                timeline.Add(new TimelinePoint(elapsed, aimd.Limit, aimd.ErrorRate, run.InFlight));
                _progress.Report(new BatchProgress(
                    run.Total, run.Skipped, run.Succeeded, run.Failed, run.InFlight, retries.Count, aimd.Limit, aimd.ErrorRate, aimd.IsPaused,
                    holdUntil > _time.GetUtcNow(), run.Stopping, elapsed, eta));
            }

            async Task SendOne(Pending pending)
            {
                var sentAt = _time.GetTimestamp();
                GatewayAnswer answer;
                try
                {
                    answer = await client.SendAsync(pending.Item, abandon.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    lock (_gate)
                    {
                        run.InFlight--;
                        abandoned++;
                    }

                    changed.Release();
                    return;
                }

                var first = pending.Tries == 0 ? pending with { FirstStartedAt = answer.Record.StartedAt, FirstSentAt = sentAt } : pending;
                var tries = pending.Tries + 1;
                lock (_gate)
                {
                    run.InFlight--;

                    // Back-pressure counts against the window even when the item will be sent again.
                    if (aimd.Record(answer.Record.IsBackpressure) == AimdChange.Decreased)
                    {
                        _progress.Notice(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"error rate above {_options.Aimd.DecreaseAbove * 100:0}%: concurrency halved to {aimd.Limit}, pausing {_options.Aimd.Pause.TotalSeconds:0.#} s"));
                    }

                    if (RetryRule.Decide(answer, tries, _options.Retries, _options.MaxRetryDelay, _time.GetUtcNow()) is { } retry)
                    {
                        if (retry.HoldUntil > holdUntil)
                        {
                            holdUntil = retry.HoldUntil.Value;
                        }

                        retries.Enqueue(first with { Tries = tries }, (retry.At, sequence++));
                    }
                    else
                    {
                        var record = tries == 1 ? answer.Record : answer.Record with
                        {
                            StartedAt = first.FirstStartedAt,
                            DurationMs = (long)_time.GetElapsedTime(first.FirstSentAt).TotalMilliseconds,
                        };
                        file.Append(record with { Tries = tries });
                        sent++;
                        if (record.IsSuccess)
                        {
                            run.Succeeded++;
                        }
                        else
                        {
                            run.Failed++;
                        }
                    }

                    Snapshot(_time.GetElapsedTime(started));
                }

                changed.Release();
            }

            // Until the next change (an answer, a stop), or until the timeout when one is given.
            async Task WaitAsync(TimeSpan? timeout)
            {
                using var timer = timeout is { } t ? new CancellationTokenSource(t, _time) : null;
                using var linked = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(halt.Token, timer.Token);
                try
                {
                    await changed.WaitAsync((linked ?? halt).Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The timeout or the stop: the loop looks again either way.
                }
            }

            lock (_gate)
            {
                Snapshot(TimeSpan.Zero);
            }

            // Ends when nothing is left to start, to send again or to hear back from; or at a stop.
            while (!halt.IsCancellationRequested)
            {
                Pending? next = null;
                TimeSpan? wait = null;
                lock (_gate)
                {
                    var now = _time.GetUtcNow();
                    var blockedUntil = aimd.PausedUntil > holdUntil ? aimd.PausedUntil : holdUntil;
                    var anyRetry = retries.TryPeek(out _, out var key);
                    if (fresh.Count == 0 && !anyRetry && run.InFlight == 0)
                    {
                        break;
                    }

                    if (blockedUntil > now)
                    {
                        wait = blockedUntil - now;
                    }
                    else if (run.InFlight >= aimd.Limit)
                    {
                        wait = null;
                    }
                    else if (anyRetry && key.At <= now)
                    {
                        next = retries.Dequeue();
                    }
                    else if (fresh.TryDequeue(out var item))
                    {
                        next = new Pending(item, 0, default, 0);
                    }
                    else if (anyRetry)
                    {
                        wait = key.At - now;
                    }

                    if (next is not null)
                    {
                        run.InFlight++;
                        Snapshot(_time.GetElapsedTime(started));
                    }
                }

                if (next is null)
                {
                    await WaitAsync(wait).ConfigureAwait(false);
                    continue;
                }

                inFlight.Add(Task.Run(() => SendOne(next), CancellationToken.None));
                inFlight.RemoveAll(t => t.IsCompleted);
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            await stopping.DisposeAsync().ConfigureAwait(false);
            grace?.Dispose();
            int waitingAtStop;
            lock (_gate)
            {
                waitingAtStop = retries.Count;
                Snapshot(_time.GetElapsedTime(started));
            }

            file.Dispose();
            var all = ResultsFile.ReadAll(_options.ResultsPath).OrderBy(r => r.Index).ToList();
            var stopped = !indices.IsSubsetOf(all.Select(r => r.Index));
            return new BatchRunResult(all, skipped, sent, abandoned, waitingAtStop, stopped, existing.TornLineRemoved, timeline, startedAt);
        }
    }

    /// <summary>An item on its way: how many requests it has had, and when the first was sent.</summary>
    private sealed record Pending(BatchItem Item, int Tries, DateTimeOffset FirstStartedAt, long FirstSentAt);

    private sealed class Run(int total, int skipped, int succeeded, int failed)
    {
        public int Total { get; } = total;

        public int Skipped { get; } = skipped;

        public int Succeeded { get; set; } = succeeded;

        public int Failed { get; set; } = failed;

        public int InFlight { get; set; }

        public bool Stopping { get; set; }
    }
}
