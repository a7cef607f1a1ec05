using System.Globalization;
using Azure;
using Azure.Data.Tables;
using LlmFunctions.Health;
using Microsoft.Extensions.Options;

namespace LlmFunctions.Alerts;

/// <summary>
/// The alerts table, shared by every host: the errors each rule counts (one row per error, so that counts add up across
/// hosts) and one row per rule and subject holding the last alert raised and until when it stays quiet. Raising is an
/// ETag-checked insert or update, so when N hosts see the same condition exactly one raises it.
/// </summary>
public sealed class AlertStore
{
    private const string AlertPartition = "alert";
    private readonly TableServiceClient _service;
    private readonly AlertOptions _options;
    private TableClient? _table;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="service">The storage account's table service.</param>
    /// <param name="options">The table's name.</param>
    public AlertStore(TableServiceClient service, IOptions<AlertOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _service = service;
        _options = options.Value;
    }

    /// <summary>Counts one error for <paramref name="rule"/> and <paramref name="subject"/> and returns how many fall
    /// within <paramref name="window"/> before <paramref name="at"/>, across every host.</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="at">When the error happened.</param>
    /// <param name="window">The counting window.</param>
    /// <param name="cancellationToken">Cancels the I/O.</param>
    /// <returns>The count, this error included.</returns>
    public async Task<int> CountErrorAsync(string rule, string subject, DateTimeOffset at, TimeSpan window, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        var partition = "errors-" + TableKeyEncoding.Encode($"{rule}|{subject}");
        var row = $"{Ticks(at)}-{Guid.NewGuid():N}";
        await table.AddEntityAsync(new TableEntity(partition, row), cancellationToken);
        var from = Ticks(at - window);
        var to = Ticks(at) + "~";
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey le {to}"),
            select: ["RowKey"],
            cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>Raises <paramref name="alert"/> unless the same rule and subject were raised and are still quiet;
    /// with the ETag, only one of many hosts racing succeeds.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="quietUntil">Until when this rule and subject stay quiet once raised.</param>
    /// <param name="cancellationToken">Cancels the I/O.</param>
    /// <returns>True when this call raised it.</returns>
    public async Task<bool> TryRaiseAsync(Alert alert, DateTimeOffset quietUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var table = await TableAsync(cancellationToken);
        var entity = new TableEntity(AlertPartition, TableKeyEncoding.Encode($"{alert.Rule}|{alert.Subject}"))
        {
            ["Rule"] = alert.Rule,
            ["Subject"] = alert.Subject,
            ["Severity"] = alert.Severity.ToString(),
            ["Message"] = alert.Message,
            ["RaisedAt"] = alert.RaisedAt,
            ["QuietUntil"] = quietUntil,
        };
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(entity.PartitionKey, entity.RowKey, cancellationToken: cancellationToken);
        try
        {
            if (!existing.HasValue)
            {
                await table.AddEntityAsync(entity, cancellationToken);
                return true;
            }

            if (existing.Value!.GetDateTimeOffset("QuietUntil") is { } quiet && quiet > alert.RaisedAt)
            {
                return false;
            }

            await table.UpdateEntityAsync(entity, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another host raised it first.
            return false;
        }
    }

    /// <summary>The most recent alerts, newest first: the last one of each rule and subject.</summary>
    /// <param name="top">How many at most.</param>
    /// <param name="cancellationToken">Cancels the I/O.</param>
    /// <returns>The alerts.</returns>
    public async Task<IReadOnlyList<Alert>> ListAsync(int top, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken);
        var alerts = new List<Alert>();
        await foreach (var e in table.QueryAsync<TableEntity>(e => e.PartitionKey == AlertPartition, cancellationToken: cancellationToken))
        {
            alerts.Add(new Alert(
                e.GetString("Rule"),
                e.GetString("Subject"),
                Enum.TryParse<AlertSeverity>(e.GetString("Severity"), out var s) ? s : AlertSeverity.Warning,
                e.GetString("Message"),
                e.GetDateTimeOffset("RaisedAt") ?? DateTimeOffset.MinValue));
        }

        return [.. alerts.OrderByDescending(a => a.RaisedAt).Take(top)];
    }

    private async Task<TableClient> TableAsync(CancellationToken cancellationToken)
    {
        if (_table is { } table)
        {
            return table;
        }

        table = _service.GetTableClient(_options.TableName);
        await table.CreateIfNotExistsAsync(cancellationToken);
        return _table = table;
    }

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
