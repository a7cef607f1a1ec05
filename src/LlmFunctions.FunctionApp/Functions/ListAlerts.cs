using System.Globalization;
using LlmFunctions.Alerts;
using Microsoft.Azure.Functions.Worker;

namespace LlmFunctions.FunctionApp.Functions;

/// <summary>GET <c>/api/alerts</c>: the most recent alerts, newest first (the last of each rule and subject);
/// <c>?top=</c> 1 to 500, default 50.</summary>
/// <param name="alerts">The shared alert table.</param>
public sealed class ListAlerts(AlertStore alerts)
{
    private const int MaxTop = 500;

    /// <summary>Handles the request.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>The alerts, or a 400 naming <c>top</c>.</returns>
    [Function(nameof(ListAlerts))]
    public async Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "api/alerts")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var topText = request.Query["top"].ToString();
        var top = 50;
        if (topText.Length > 0 && (!int.TryParse(topText, NumberStyles.Integer, CultureInfo.InvariantCulture, out top) || top < 1 || top > MaxTop))
        {
            return Results.Json(new { error = new { field = "top", message = $"must be a whole number from 1 to {MaxTop}" } }, statusCode: StatusCodes.Status400BadRequest);
        }

        var list = await alerts.ListAsync(top, cancellationToken);
        return Results.Json(new
        {
            alerts = list.Select(a => new { rule = a.Rule, subject = a.Subject, severity = a.Severity.ToString(), message = a.Message, raised_at = a.RaisedAt }),
        });
    }
}
