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
    /// Runs the items not yet in the results file. <paramref name="stop"/> stops starting items and lets those in
    /// flight finish for up to <see cref="BatchRunnerOptions.StopGrace"/>; <paramref name="abort"/> abandons them at
    /// once. Abandoned items are not recorded. Nothing is ever recorded twice or half.
    /// </summary>
    public async Task<BatchRunResult> RunAsync(IReadOnlyList<BatchItem> items, CancellationToken stop = default, CancellationToken abort = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var (file, existing) = ResultsFile.Open(_options.ResultsPath);
        using (file)
        {
            var recorded = existing.Records.ToDictionary(r => r.Index);
            var todo = new Queue<BatchItem>(items.Where(i => !recorded.ContainsKey(i.Index)));
            var skipped = items.Count - todo.Count;
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
            var timeline = new List<TimelinePoint>();
            using var changed = new SemaphoreSlim(0);
            var inFlight = new List<Task>();
            var sent = 0;
            var abandoned = 0;
            ITimer? grace = null;
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(abort);
            using var stopping = stop.Register(() =>
            {
                run.Stopping = true;
                _progress.Notice(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"stopping: no new items; waiting up to {_options.StopGrace.TotalSeconds:0} s for those in flight"));
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
                _progress.Report(new BatchProgress(run.Total, run.Skipped, run.Succeeded, run.Failed, run.InFlight, aimd.Limit, aimd.ErrorRate, aimd.IsPaused, run.Stopping, elapsed, eta));
            }

            async Task SendOne(BatchItem item)
            {
                ResultRecord record;
                try
                {
                    record = await client.SendAsync(item, abandon.Token).ConfigureAwait(false);
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

                lock (_gate)
                {
                    file.Append(record);
                    sent++;
                    run.InFlight--;
                    if (record.IsSuccess)
                    {
                        run.Succeeded++;
                    }
                    else
                    {
                        run.Failed++;
                    }

                    if (aimd.Record(record.IsBackpressure) == AimdChange.Decreased)
                    {
                        _progress.Notice(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"error rate above {_options.Aimd.DecreaseAbove * 100:0}%: concurrency halved to {aimd.Limit}, pausing {_options.Aimd.Pause.TotalSeconds:0.#} s"));
                    }

                    Snapshot(_time.GetElapsedTime(started));
                }

                changed.Release();
            }

            lock (_gate)
            {
                Snapshot(TimeSpan.Zero);
            }

            while (todo.Count > 0 && !stop.IsCancellationRequested)
            {
                TimeSpan wait;
                bool full;
                lock (_gate)
                {
                    wait = aimd.PausedUntil - _time.GetUtcNow();
                    full = run.InFlight >= aimd.Limit;
                }

                try
                {
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, stop).ConfigureAwait(false);
                        continue;
                    }

                    if (full)
                    {
                        await changed.WaitAsync(stop).ConfigureAwait(false);
                        continue;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var item = todo.Dequeue();
                lock (_gate)
                {
                    run.InFlight++;
                    Snapshot(_time.GetElapsedTime(started));
                }

                inFlight.Add(Task.Run(() => SendOne(item), CancellationToken.None));
                inFlight.RemoveAll(t => t.IsCompleted);
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            await stopping.DisposeAsync().ConfigureAwait(false);
            grace?.Dispose();
            lock (_gate)
            {
                Snapshot(_time.GetElapsedTime(started));
            }

            file.Dispose();
            var all = ResultsFile.ReadAll(_options.ResultsPath).OrderBy(r => r.Index).ToList();
            var stopped = !indices.IsSubsetOf(all.Select(r => r.Index));
            return new BatchRunResult(all, skipped, sent, abandoned, stopped, existing.TornLineRemoved, timeline);
        }
    }

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
