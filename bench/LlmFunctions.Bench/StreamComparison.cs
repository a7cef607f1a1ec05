using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace LlmFunctions.Bench;

/// <summary>
/// Time to first byte of a stream (<c>"stream": true</c>), direct to the simulator and through the gateway, at
/// concurrency 1, alternating the order every repeat; also the time to the first content delta (the first token as the
/// client sees it) and to the last byte. Every stream is read to its end so connections are reused.
/// </summary>
internal static class StreamComparison
{
    // The first content delta: the simulator's role chunk carries "content":"" after "role", a token chunk starts with it.
    private static readonly byte[] ContentDelta = "\"delta\":{\"content\":\""u8.ToArray();

    public static async Task RunAsync(BenchOptions options, HttpClient client, (Uri Url, byte[] Body) direct, (Uri Url, byte[] Body) gateway, CancellationToken cancellationToken)
    {
        var targets = new[] { ("direct", direct.Url, direct.Body, (string?)"bench-key"), ("gateway", gateway.Url, gateway.Body, (string?)null) };
        foreach (var (name, url, body, bearer) in targets)
        {
            await MeasureAsync(client, url, body, bearer, Math.Min(options.Warmup, 200), cancellationToken);
        }

        var results = targets.ToDictionary(t => t.Item1, _ => new List<StreamRun>(), StringComparer.Ordinal);
        for (var repeat = 0; repeat < options.Repeats; repeat++)
        {
            var order = repeat % 2 == 0 ? targets : targets.Reverse().ToArray();
            foreach (var (name, url, body, bearer) in order)
            {
                var run = await MeasureAsync(client, url, body, bearer, options.StreamRequests, cancellationToken);
                results[name].Add(run);
                Console.WriteLine(Inv($"  stream run {repeat + 1}/{options.Repeats} {name,-7}: first byte p50 {run.FirstByte.Percentile(50),6:F2} ms  first token p50 {run.FirstToken.Percentile(50),6:F2} ms  last byte p50 {run.LastByte.Percentile(50),6:F2} ms  {run.Failures} failed"));
            }
        }

        var d = results["direct"];
        var g = results["gateway"];
        double P50(List<StreamRun> runs, Func<StreamRun, Measurement> pick) => Median(runs.Select(r => pick(r).Percentile(50)));
        double P99(List<StreamRun> runs, Func<StreamRun, Measurement> pick) => Median(runs.Select(r => pick(r).Percentile(99)));
        Console.WriteLine();
        Console.WriteLine(Inv($"streams at concurrency 1, {options.StreamRequests} per run, medians of {options.Repeats} runs; ms"));
        Console.WriteLine("| measure | direct p50 | gateway p50 | gateway − direct p50 | direct p99 | gateway p99 |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (label, pick) in new (string, Func<StreamRun, Measurement>)[] { ("time to first byte", r => r.FirstByte), ("time to first token", r => r.FirstToken), ("time to last byte", r => r.LastByte) })
        {
            Console.WriteLine(Inv($"| {label} | {P50(d, pick):F2} | {P50(g, pick):F2} | {P50(g, pick) - P50(d, pick):+0.00;-0.00} | {P99(d, pick):F2} | {P99(g, pick):F2} |"));
        }

        var failed = d.Concat(g).Sum(r => r.Failures);
        if (failed > 0)
        {
            Console.WriteLine(Inv($"streams that did not end with [DONE] after a 200: {failed}"));
        }
    }

    private static async Task<StreamRun> MeasureAsync(HttpClient client, Uri url, byte[] body, string? bearer, int requests, CancellationToken cancellationToken)
    {
        var firstByte = new double[requests];
        var firstToken = new double[requests];
        var lastByte = new double[requests];
        var failures = 0;
        var buffer = new byte[16 * 1024];
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            if (bearer is not null)
            {
                request.Headers.Authorization = new("Bearer", bearer);
            }

            var started = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var received = new List<byte>(4096);
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (received.Count == 0)
                {
                    firstByte[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                received.AddRange(buffer.AsSpan(0, read));
                if (firstToken[i] == 0 && received.ToArray().AsSpan().IndexOf(ContentDelta) >= 0)
                {
                    firstToken[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            }

            lastByte[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK || !Encoding.UTF8.GetString([.. received]).Contains("data: [DONE]", StringComparison.Ordinal))
            {
                failures++;
            }
        }

        wall.Stop();
        var seconds = wall.Elapsed.TotalSeconds;
        return new StreamRun(new(firstByte, seconds, failures, null), new(firstToken, seconds, failures, null), new(lastByte, seconds, failures, null), failures);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record StreamRun(Measurement FirstByte, Measurement FirstToken, Measurement LastByte, int Failures);
}
