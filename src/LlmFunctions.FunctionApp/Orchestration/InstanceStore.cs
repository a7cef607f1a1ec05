using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>
/// Instances and their history in one table, partitioned by instance id: the instance row (row key empty) and one
/// row per history event (row key <c>h</c> + sequence). A step's new history rows and the instance row change in
/// one entity-group transaction, conditional on the instance row's ETag, so a duplicate or stale step changes
/// nothing and a crash leaves either all of a step or none of it. Documents too large for a table property go to
/// blobs, written before the row that points at them.
/// </summary>
internal sealed class InstanceStore
{
    // A string property holds at most 64 KiB of UTF-16; keep well below it.
    internal const int MaxInlineChars = 30_000;

    private const int MaxTransactionActions = 100;
    private const string InstanceRowKey = "";

    private readonly TableClient _table;
    private readonly BlobContainerClient _blobs;

    public InstanceStore(TableClient table, BlobContainerClient blobs)
    {
        _table = table;
        _blobs = blobs;
    }

    /// <summary>Creates the table and container if missing.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken);
        await _blobs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>Creates an instance with its first history rows; when the id exists, returns the existing one.</summary>
    /// <returns>The record as stored and whether this call created it.</returns>
    public async Task<(InstanceRecord Record, bool Created)> CreateAsync(InstanceRecord record, IReadOnlyList<HistoryEvent> events, CancellationToken cancellationToken)
    {
        var entity = await ToEntityAsync(record, cancellationToken);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, entity) };
        actions.AddRange(events.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(record.InstanceId, e))));
        try
        {
            var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            return (WithBlobs(record, entity) with { ETag = response.Value[0].Headers.ETag ?? default }, true);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            var existing = await GetAsync(record.InstanceId, cancellationToken)
                ?? throw new InvalidOperationException($"Instance '{record.InstanceId}' conflicted on create but cannot be read.", ex);
            return (existing, false);
        }
    }

    /// <summary>Reads an instance, or null when there is none.</summary>
    public async Task<InstanceRecord?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(instanceId, InstanceRowKey, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity ? await FromEntityAsync(entity, cancellationToken) : null;
    }

    /// <summary>
    /// Replaces the instance row if its ETag still matches <paramref name="record"/>'s and appends the history rows, all
    /// or nothing. Each event's sequence must continue the committed history.
    /// </summary>
    /// <returns>The record with its new ETag, or null when another writer changed the instance first.</returns>
    public async Task<InstanceRecord?> TryCommitAsync(InstanceRecord record, IReadOnlyList<HistoryEvent> events, CancellationToken cancellationToken)
    {
        var entity = await ToEntityAsync(record, cancellationToken);
        var rows = events.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(record.InstanceId, e))).ToList();
        try
        {
            // More rows than one transaction holds: add the first ones alone. A loser's extra rows would then block
            // the winner's, which is why steps commit after every attempt and never carry this many.
            while (rows.Count >= MaxTransactionActions)
            {
                await _table.SubmitTransactionAsync(rows.Take(MaxTransactionActions - 1), cancellationToken);
                rows.RemoveRange(0, MaxTransactionActions - 1);
            }

            var response = await _table.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, record.ETag), .. rows],
                cancellationToken);
            return WithBlobs(record, entity) with { ETag = response.Value[0].Headers.ETag ?? default };
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return null;
        }
    }

    /// <summary>Reads the committed history, in order.</summary>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        var events = new List<HistoryEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {record.InstanceId} and RowKey gt {InstanceRowKey}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var sequence = row.GetInt64("Sequence") ?? -1;
            if (sequence >= 0 && sequence < record.HistoryCount)
            {
                events.Add(new HistoryEvent(sequence, row.GetString("EventType") ?? "?", row.GetDateTimeOffset("EventTime") ?? default, await ReadTextAsync(row, "Data", cancellationToken)));
            }
        }

        return [.. events.OrderBy(e => e.Sequence)];
    }

    /// <summary>Lists instances matching the query, one page at a time.</summary>
    public async Task<(IReadOnlyList<InstanceRecord> Page, string? ContinuationToken)> ListAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey eq {InstanceRowKey}");
        if (query.CreatedFrom is { } from)
        {
            filter += " and " + TableClient.CreateQueryFilter($"CreatedTime ge {from}");
        }

        if (query.CreatedTo is { } to)
        {
            filter += " and " + TableClient.CreateQueryFilter($"CreatedTime le {to}");
        }

        if (query.Statuses is { Count: > 0 } statuses)
        {
            filter += " and (" + string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"RuntimeStatus eq {s.ToString()}"))) + ")";
        }

        var pages = _table.QueryAsync<TableEntity>(filter, maxPerPage: query.Top, cancellationToken: cancellationToken).AsPages(query.ContinuationToken, query.Top);
        await foreach (var page in pages)
        {
            var records = new List<InstanceRecord>(page.Values.Count);
            foreach (var entity in page.Values)
            {
                records.Add(await FromEntityAsync(entity, cancellationToken));
            }

            return (records, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>Deletes an instance, its history and its blobs.</summary>
    /// <returns>1 when an instance was deleted, 0 when there was none.</returns>
    public async Task<int> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}");
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        // History first, the instance row last: a purge cut short leaves a visible instance to purge again.
        var instanceRow = rows.FirstOrDefault(r => r.RowKey.Length == 0);
        foreach (var chunk in rows.Where(r => r.RowKey.Length > 0).Chunk(MaxTransactionActions))
        {
            await _table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
        }

        await foreach (var blob in _blobs.GetBlobsAsync(BlobTraits.None, BlobStates.None, BlobPrefix(instanceId), cancellationToken))
        {
            await _blobs.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
        }

        if (instanceRow is null)
        {
            return 0;
        }

        var deleted = await _table.DeleteEntityAsync(instanceRow.PartitionKey, instanceRow.RowKey, ETag.All, cancellationToken);
        return deleted.Status == 404 ? 0 : 1;
    }

    private static readonly string[] Documents = ["Input", "Output", "CustomStatus", "Checkpoint"];

    private static InstanceRecord WithBlobs(InstanceRecord record, TableEntity written)
    {
        var blobs = new Dictionary<string, (string Blob, string Text)>();
        foreach (var name in Documents)
        {
            if (written.GetString(name + "Blob") is { Length: > 0 } blob)
            {
                var text = name switch { "Input" => record.Input, "Output" => record.Output, "CustomStatus" => record.CustomStatus, _ => record.Checkpoint };
                blobs[name] = (blob, text!);
            }
        }

        return record with { Blobs = blobs };
    }

    private static string BlobPrefix(string instanceId) => Uri.EscapeDataString(instanceId) + "/";

    private async Task<TableEntity> ToEntityAsync(InstanceRecord r, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(r.InstanceId, InstanceRowKey)
        {
            ["Name"] = r.Name,
            ["RuntimeStatus"] = r.Status.ToString(),
            ["CreatedTime"] = r.CreatedTime,
            ["LastUpdatedTime"] = r.LastUpdatedTime,
            ["HistoryCount"] = r.HistoryCount,
            ["WakeToken"] = r.WakeToken,
            ["WakeAt"] = r.WakeAt,
            ["ClaimOwner"] = r.ClaimOwner,
            ["ClaimUntil"] = r.ClaimUntil,
        };
        await WriteTextAsync(entity, "Input", r.Input, r, cancellationToken);
        await WriteTextAsync(entity, "Output", r.Output, r, cancellationToken);
        await WriteTextAsync(entity, "CustomStatus", r.CustomStatus, r, cancellationToken);
        await WriteTextAsync(entity, "Checkpoint", r.Checkpoint, r, cancellationToken);
        return entity;
    }

    private async Task WriteTextAsync(TableEntity entity, string name, string? text, InstanceRecord record, CancellationToken cancellationToken)
    {
        if (text is null || text.Length <= MaxInlineChars)
        {
            entity[name] = text;
            return;
        }

        if (record.Blobs.TryGetValue(name, out var stored) && string.Equals(stored.Text, text, StringComparison.Ordinal))
        {
            entity[name + "Blob"] = stored.Blob;
            return;
        }

        var blobName = string.Create(CultureInfo.InvariantCulture, $"{BlobPrefix(record.InstanceId)}{name}-{record.HistoryCount:D10}-{Guid.NewGuid():N}.json");
        await _blobs.UploadBlobAsync(blobName, BinaryData.FromString(text), cancellationToken);
        entity[name + "Blob"] = blobName;
    }

    private async Task<string?> ReadTextAsync(TableEntity entity, string name, CancellationToken cancellationToken)
    {
        if (entity.GetString(name + "Blob") is { Length: > 0 } blobName)
        {
            var content = await _blobs.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToString();
        }

        return entity.GetString(name);
    }

    private async Task<InstanceRecord> FromEntityAsync(TableEntity e, CancellationToken cancellationToken)
    {
        var blobs = new Dictionary<string, (string Blob, string Text)>();
        async Task<string?> Read(string name)
        {
            var text = await ReadTextAsync(e, name, cancellationToken);
            if (text is not null && e.GetString(name + "Blob") is { Length: > 0 } blob)
            {
                blobs[name] = (blob, text);
            }

            return text;
        }

        var input = await Read("Input");
        var output = await Read("Output");
        var customStatus = await Read("CustomStatus");
        var checkpoint = await Read("Checkpoint");
        return FromEntity(e, input, output, customStatus, checkpoint) with { Blobs = blobs };
    }

    private static InstanceRecord FromEntity(TableEntity e, string? input, string? output, string? customStatus, string? checkpoint) => new()
    {
        InstanceId = e.PartitionKey,
        Name = e.GetString("Name") ?? InstanceRecord.PromptOrchestratorName,
        Status = Enum.TryParse<RuntimeStatus>(e.GetString("RuntimeStatus"), out var status) ? status : RuntimeStatus.Failed,
        Input = input ?? "null",
        Output = output,
        CustomStatus = customStatus,
        Checkpoint = checkpoint,
        CreatedTime = e.GetDateTimeOffset("CreatedTime") ?? default,
        LastUpdatedTime = e.GetDateTimeOffset("LastUpdatedTime") ?? default,
        HistoryCount = e.GetInt64("HistoryCount") ?? 0,
        WakeToken = e.GetString("WakeToken"),
        WakeAt = e.GetDateTimeOffset("WakeAt"),
        ClaimOwner = e.GetString("ClaimOwner"),
        ClaimUntil = e.GetDateTimeOffset("ClaimUntil"),
        ETag = e.ETag,
    };

    private static TableEntity ToEntity(string instanceId, HistoryEvent e) => new(instanceId, string.Create(CultureInfo.InvariantCulture, $"h{e.Sequence:D10}"))
    {
        ["Sequence"] = e.Sequence,
        ["EventType"] = e.EventType,
        ["EventTime"] = e.Timestamp,
        ["Data"] = e.Data is { Length: > MaxInlineChars } ? e.Data[..MaxInlineChars] : e.Data,
    };
}

/// <summary>A list query: statuses, a creation window, a page size and where the previous page ended.</summary>
internal sealed record InstanceQuery(IReadOnlyList<RuntimeStatus>? Statuses, DateTimeOffset? CreatedFrom, DateTimeOffset? CreatedTo, int Top, string? ContinuationToken);
