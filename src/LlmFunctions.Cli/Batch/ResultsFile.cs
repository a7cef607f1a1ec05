using System.Text;
using System.Text.Json;

namespace LlmFunctions.Cli.Batch;

/// <summary>What a results file held when it was opened.</summary>
/// <param name="Records">The recorded items, first record of each index only.</param>
/// <param name="TornLineRemoved">Whether a partial last line (a write cut by a kill) was cut off.</param>
/// <param name="Duplicates">Indices recorded more than once (kept: the first).</param>
public sealed record ExistingResults(IReadOnlyList<ResultRecord> Records, bool TornLineRemoved, IReadOnlyList<int> Duplicates);

/// <summary>A malformed complete line in a results file: not something a kill can cause, so not silently dropped.</summary>
public sealed class ResultsFileException(string message) : Exception(message);

/// <summary>
/// <c>results.jsonl</c>, appended one whole line at a time: each line is written with its line break in one write and
/// flushed to disk before the next. A kill can therefore only leave a last line without its line break; opening the
/// file cuts such a line off, so the item is run again.
/// </summary>
public sealed class ResultsFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly Lock _gate = new();

    private ResultsFile(FileStream stream) => _stream = stream;

    /// <summary>Reads what the file holds (repairing a torn last line) and opens it for appending.</summary>
    public static (ResultsFile File, ExistingResults Existing) Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var existing = Load(stream, path);
            stream.Seek(0, SeekOrigin.End);
            return (new ResultsFile(stream), existing);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a results file without changing it; a torn last line is ignored.</summary>
    public static IReadOnlyList<ResultRecord> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        return Parse(bytes.AsSpan(0, end), path).Records;
    }

    /// <summary>Appends one record as one line and flushes it to disk.</summary>
    public void Append(ResultRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = Encoding.UTF8.GetBytes(record.ToJsonLine() + "\n");
        lock (_gate)
        {
            _stream.Write(bytes);
            _stream.Flush(flushToDisk: true);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private static ExistingResults Load(FileStream stream, string path)
    {
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        var torn = end < bytes.Length;
        if (torn)
        {
            stream.SetLength(end);
            stream.Flush(flushToDisk: true);
        }

        var parsed = Parse(bytes.AsSpan(0, end), path);
        return parsed with { TornLineRemoved = torn };
    }

    private static ExistingResults Parse(ReadOnlySpan<byte> bytes, string path)
    {
        var records = new List<ResultRecord>();
        var seen = new HashSet<int>();
        var duplicates = new List<int>();
        var number = 0;
        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            ResultRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<ResultRecord>(line, ResultRecord.Json);
            }
            catch (JsonException e)
            {
                throw new ResultsFileException($"{path} line {number} is not a result record ({e.Message}); fix or remove that line, or write to another --out");
            }

            if (record is null || record.Index < 0)
            {
                throw new ResultsFileException($"{path} line {number} is not a result record (no index); fix or remove that line, or write to another --out");
            }

            if (seen.Add(record.Index))
            {
                records.Add(record);
            }
            else
            {
                duplicates.Add(record.Index);
            }
        }

        return new ExistingResults(records, false, duplicates);
    }
}
