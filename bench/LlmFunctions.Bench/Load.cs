using System.Diagnostics;
using System.Net;
using System.Text;

namespace LlmFunctions.Bench;

/// <summary>One measurement: every request's latency, the wall time, and the failures.</summary>
internal sealed record Measurement(double[] LatenciesMs, double WallSeconds, int Failures, string? FirstFailure)
{
    public double Percentile(double p)
    {
        var sorted = LatenciesMs.Order().ToArray();
        var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    public double Throughput => LatenciesMs.Length / WallSeconds;
}

/// <summary>Sends a bounded number of POSTs with a fixed number of workers pulling from one counter.</summary>
internal static class Load
{
    public static async Task<Measurement> RunAsync(
        HttpClient client, Uri url, byte[] body, string? bearer, int requests, int concurrency, CancellationToken cancellationToken)
    {
        var latencies = new double[requests];
        var next = -1;
        var failures = 0;
        string? firstFailure = null;
        var wall = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < requests)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new("application/json");
                    if (bearer is not null)
                    {
                        request.Headers.Authorization = new("Bearer", bearer);
                    }

                    using var response = await client.SendAsync(request, cancellationToken);
                    var text = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        if (Interlocked.Increment(ref failures) == 1)
                        {
                            firstFailure = $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(text, 0, Math.Min(text.Length, 300))}";
                        }
                    }
                }
            },
            cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        wall.Stop();
        return new Measurement(latencies, wall.Elapsed.TotalSeconds, failures, firstFailure);
    }
}
