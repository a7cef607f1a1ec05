using System.Text.Json;
using static LlmFunctions.Simulator.JsonFields;

namespace LlmFunctions.Simulator;

/// <summary>Parses and validates a provider's <c>faults</c> list.</summary>
internal static class FaultParser
{
    public static IReadOnlyList<FaultSpec> ParseList(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw Fail(path, "must be an array");
        }

        var faults = new List<FaultSpec>();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            faults.Add(Parse(item, $"{path}[{index++}]"));
        }

        return faults;
    }

    private static FaultSpec Parse(JsonElement element, string path)
    {
        RequireObject(element, path);
        RejectUnknown(element, path, "kind", "rate", "status", "ms");
        var kind = OptionalString(element, path, "kind") switch
        {
            "status" => FaultKind.Status,
            "rateLimitBody500" => FaultKind.RateLimitBody500,
            "hang" => FaultKind.Hang,
            "reset" => FaultKind.Reset,
            "malformed" => FaultKind.Malformed,
            "empty" => FaultKind.Empty,
            null => throw Fail(Join(path, "kind"), "is required"),
            var other => throw Fail(
                Join(path, "kind"),
                $"unknown fault kind \"{other}\" (expected status, rateLimitBody500, hang, reset, malformed or empty)"),
        };

        var rate = OptionalNumber(element, path, "rate") ?? throw Fail(Join(path, "rate"), "is required");
        if (rate is < 0 or > 1 || double.IsNaN(rate))
        {
            throw Fail(Join(path, "rate"), $"must be between 0 and 1, was {Format(rate)}");
        }

        var status = OptionalHttpStatus(element, path, "status");
        return new FaultSpec
        {
            Kind = kind,
            Rate = rate,
            Status = status ?? 503,
            Ms = OptionalNonNegative(element, path, "ms") ?? 120_000,
        };
    }
}
