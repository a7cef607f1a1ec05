using System.Collections.Frozen;
using System.Globalization;

namespace LlmFunctions.Classification;

/// <summary>
/// Formats a status as "HTTP 403 Forbidden". Our own phrase list, so reasons (which dashboards and alerts key on)
/// stay stable across framework upgrades; unknown statuses are just "HTTP 520".
/// </summary>
internal static class HttpStatusText
{
    private static readonly FrozenDictionary<int, string> Phrases = new Dictionary<int, string>
    {
        [100] = "Continue", [101] = "Switching Protocols", [102] = "Processing", [103] = "Early Hints",
        [200] = "OK", [201] = "Created", [202] = "Accepted", [203] = "Non-Authoritative Information",
        [204] = "No Content", [205] = "Reset Content", [206] = "Partial Content",
        [300] = "Multiple Choices", [301] = "Moved Permanently", [302] = "Found", [303] = "See Other",
        [304] = "Not Modified", [307] = "Temporary Redirect", [308] = "Permanent Redirect",
        [400] = "Bad Request", [401] = "Unauthorized", [402] = "Payment Required", [403] = "Forbidden",
        [404] = "Not Found", [405] = "Method Not Allowed", [406] = "Not Acceptable",
        [407] = "Proxy Authentication Required", [408] = "Request Timeout", [409] = "Conflict", [410] = "Gone",
        [411] = "Length Required", [412] = "Precondition Failed", [413] = "Payload Too Large",
        [414] = "URI Too Long", [415] = "Unsupported Media Type", [416] = "Range Not Satisfiable",
        [417] = "Expectation Failed", [418] = "I'm a teapot", [421] = "Misdirected Request",
        [422] = "Unprocessable Entity", [423] = "Locked", [424] = "Failed Dependency", [425] = "Too Early",
        [426] = "Upgrade Required", [428] = "Precondition Required", [429] = "Too Many Requests",
        [431] = "Request Header Fields Too Large", [451] = "Unavailable For Legal Reasons",
        [500] = "Internal Server Error", [501] = "Not Implemented", [502] = "Bad Gateway",
        [503] = "Service Unavailable", [504] = "Gateway Timeout", [505] = "HTTP Version Not Supported",
        [506] = "Variant Also Negotiates", [507] = "Insufficient Storage", [508] = "Loop Detected",
        [510] = "Not Extended", [511] = "Network Authentication Required",
    }.ToFrozenDictionary();

    /// <summary>Formats <paramref name="status"/> with its standard phrase, when it has one.</summary>
    /// <param name="status">The HTTP status code.</param>
    /// <returns>"HTTP {status} {phrase}" or "HTTP {status}".</returns>
    public static string Format(int status) =>
        Phrases.TryGetValue(status, out var phrase)
            ? string.Create(CultureInfo.InvariantCulture, $"HTTP {status} {phrase}")
            : string.Create(CultureInfo.InvariantCulture, $"HTTP {status}");
}
