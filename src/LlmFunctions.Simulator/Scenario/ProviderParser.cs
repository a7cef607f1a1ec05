using System.Text.Json;
using static LlmFunctions.Simulator.JsonFields;

namespace LlmFunctions.Simulator;

/// <summary>Parses and validates one entry of <c>providers</c>.</summary>
internal static class ProviderParser
{
    public static ProviderScenario Parse(JsonElement element, string path)
    {
        RequireObject(element, path);
        RejectUnknown(
            element, path, "name", "api", "apiKey", "latencyMs", "errorLatencyMs", "status", "body", "echoAuthorization", "maxPromptChars", "quota", "rateLimit", "flap", "faults", "stream");

        var name = OptionalString(element, path, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            throw Fail(Join(path, "name"), "is required");
        }

        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name.StartsWith('_'))
        {
            throw Fail(Join(path, "name"), $"must be a URL segment of letters, digits, '-', '_' or '.' not starting with '_', was \"{name}\"");
        }

        var maxPromptChars = OptionalInt(element, path, "maxPromptChars");
        if (maxPromptChars is < 0)
        {
            throw Fail(Join(path, "maxPromptChars"), $"must not be negative, was {maxPromptChars}");
        }

        return new ProviderScenario(name, ParseApi(element, path))
        {
            ApiKey = OptionalString(element, path, "apiKey"),
            Latency = Optional(element, "latencyMs") is { } latency ? ParseLatency(latency, Join(path, "latencyMs")) : null,
            ErrorLatency = Optional(element, "errorLatencyMs") is { } errorLatency ? ParseLatency(errorLatency, Join(path, "errorLatencyMs")) : null,
            Status = OptionalHttpStatus(element, path, "status"),
            Body = OptionalString(element, path, "body"),
            EchoAuthorization = ParseEcho(element, path),
            MaxPromptChars = maxPromptChars,
            Quota = Optional(element, "quota") is { } quota ? ParseQuota(quota, Join(path, "quota")) : null,
            RateLimit = Optional(element, "rateLimit") is { } limit ? ParseRateLimit(limit, Join(path, "rateLimit")) : null,
            Flap = Optional(element, "flap") is { } flap ? ParseFlap(flap, Join(path, "flap")) : null,
            Faults = Optional(element, "faults") is { } faults ? FaultParser.ParseList(faults, Join(path, "faults")) : [],
            Stream = Optional(element, "stream") is { } stream ? ParseStream(stream, Join(path, "stream")) : new StreamSpec(),
        };
    }

    private static EchoEncoding? ParseEcho(JsonElement element, string path) => OptionalString(element, path, "echoAuthorization") switch
    {
        null => null,
        "raw" => EchoEncoding.Raw,
        "json" => EchoEncoding.Json,
        "url" => EchoEncoding.Url,
        "base64" => EchoEncoding.Base64,
        var other => throw Fail(Join(path, "echoAuthorization"), $"must be \"raw\", \"json\", \"url\" or \"base64\", was \"{other}\""),
    };

    private static SimulatorApi ParseApi(JsonElement element, string path) => OptionalString(element, path, "api") switch
    {
        "openai" => SimulatorApi.OpenAi,
        "cloudflare" => SimulatorApi.Cloudflare,
        null => throw Fail(Join(path, "api"), "is required (\"openai\" or \"cloudflare\")"),
        var other => throw Fail(Join(path, "api"), $"must be \"openai\" or \"cloudflare\", was \"{other}\""),
    };

    private static LatencySpec ParseLatency(JsonElement element, string path)
    {
        RequireObject(element, path);
        RejectUnknown(element, path, "fixed", "median", "p95");
        var latency = new LatencySpec
        {
            FixedMs = OptionalNonNegative(element, path, "fixed"),
            MedianMs = OptionalNonNegative(element, path, "median"),
            P95Ms = OptionalNonNegative(element, path, "p95"),
        };
        if (latency.FixedMs is null && latency.MedianMs is null)
        {
            throw Fail(path, "needs \"fixed\" or \"median\"");
        }

        if (latency.P95Ms < latency.MedianMs)
        {
            throw Fail(Join(path, "p95"), $"must be at least the median {Format(latency.MedianMs!.Value)}, was {Format(latency.P95Ms.Value)}");
        }

        return latency;
    }

    private static StreamSpec ParseStream(JsonElement element, string path)
    {
        RequireObject(element, path);
        RejectUnknown(element, path, "chunks", "firstTokenMs", "chunkLatencyMs", "cutAfterChunks", "cutStyle", "malformedChunkAt", "usage");
        var chunks = OptionalInt(element, path, "chunks") ?? 5;
        if (chunks is < 0 or > 10_000)
        {
            throw Fail(Join(path, "chunks"), $"must be between 0 and 10000, was {chunks}");
        }

        var cut = OptionalInt(element, path, "cutAfterChunks");
        if (cut is < 0)
        {
            throw Fail(Join(path, "cutAfterChunks"), $"must not be negative, was {cut}");
        }

        var malformed = OptionalInt(element, path, "malformedChunkAt");
        if (malformed is < 1)
        {
            throw Fail(Join(path, "malformedChunkAt"), $"must be at least 1, was {malformed}");
        }

        return new StreamSpec
        {
            Chunks = chunks,
            FirstTokenMs = Optional(element, "firstTokenMs") is { } first ? ParseLatency(first, Join(path, "firstTokenMs")) : null,
            ChunkLatencyMs = Optional(element, "chunkLatencyMs") is { } each ? ParseLatency(each, Join(path, "chunkLatencyMs")) : null,
            CutAfterChunks = cut,
            Usage = OptionalBool(element, path, "usage") ?? true,
            CutStyle = OptionalString(element, path, "cutStyle") switch
            {
                null or "reset" => StreamCutStyle.Reset,
                "end" => StreamCutStyle.End,
                var other => throw Fail(Join(path, "cutStyle"), $"must be \"reset\" or \"end\", was \"{other}\""),
            },
            MalformedChunkAt = malformed,
        };
    }

    private static QuotaSpec ParseQuota(JsonElement element, string path)
    {
        RequireObject(element, path);
        RejectUnknown(element, path, "requests", "status", "retryAfterSeconds", "periodSeconds");
        var requests = OptionalInt(element, path, "requests") ?? throw Fail(Join(path, "requests"), "is required");
        if (requests < 0)
        {
            throw Fail(Join(path, "requests"), $"must not be negative, was {requests}");
        }

        var status = OptionalHttpStatus(element, path, "status") ?? 429;
        var period = OptionalNonNegative(element, path, "periodSeconds");
        return period == 0
            ? throw Fail(Join(path, "periodSeconds"), "must be greater than 0")
            : new QuotaSpec
            {
                Requests = requests,
                Status = status,
                RetryAfterSeconds = OptionalNonNegative(element, path, "retryAfterSeconds"),
                PeriodSeconds = period,
            };
    }

    private static FlapSpec ParseFlap(JsonElement element, string path)
    {
        RequireObject(element, path);
        RejectUnknown(element, path, "upSeconds", "downSeconds", "status");
        var up = OptionalNonNegative(element, path, "upSeconds") ?? throw Fail(Join(path, "upSeconds"), "is required");
        var down = OptionalNonNegative(element, path, "downSeconds") ?? throw Fail(Join(path, "downSeconds"), "is required");
        if (up + down <= 0)
        {
            throw Fail(path, "needs upSeconds + downSeconds greater than 0");
        }

        return new FlapSpec { UpSeconds = up, DownSeconds = down, Status = OptionalHttpStatus(element, path, "status") ?? 503 };
    }

    private static RateLimitSpec ParseRateLimit(JsonElement element, string path)
    {
        RequireObject(element, path);
        RejectUnknown(element, path, "requestsPerWindow", "windowSeconds", "retryAfter", "resetHeaders");
        var requests = OptionalInt(element, path, "requestsPerWindow") ?? throw Fail(Join(path, "requestsPerWindow"), "is required");
        if (requests < 0)
        {
            throw Fail(Join(path, "requestsPerWindow"), $"must not be negative, was {requests}");
        }

        var window = OptionalNumber(element, path, "windowSeconds") ?? 60;
        if (window <= 0)
        {
            throw Fail(Join(path, "windowSeconds"), $"must be greater than 0, was {Format(window)}");
        }

        var style = OptionalString(element, path, "retryAfter") switch
        {
            null or "seconds" => RetryAfterStyle.Seconds,
            "date" => RetryAfterStyle.Date,
            "none" => RetryAfterStyle.None,
            var other => throw Fail(Join(path, "retryAfter"), $"must be \"seconds\", \"date\" or \"none\", was \"{other}\""),
        };

        return new RateLimitSpec
        {
            RequestsPerWindow = requests,
            WindowSeconds = window,
            RetryAfter = style,
            ResetHeaders = OptionalBool(element, path, "resetHeaders") ?? false,
        };
    }
}
