using System.Net;
using System.Text;
using System.Text.Json;
using LlmFunctions.Tests.FunctionApp;
using LlmFunctions.Tests.Infrastructure;

namespace LlmFunctions.Tests.Orchestration;

/// <summary>Calls on the durable orchestration of a <see cref="ChatApp"/> through its HTTP API: start, status, list.</summary>
internal static class DurableHarness
{
    public const string InstancesPath = "/runtime/webhooks/durabletask/instances";

    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    /// <summary>Short failover delays so a durable timer fires within a second or two (the queue's visibility delay
    /// is whole seconds; the orchestration checks the time again after a timer).</summary>
    public static Dictionary<string, string?> FastSettings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LlmFunctions:Failover:BaseDelay"] = "00:00:00.200",
            ["LlmFunctions:Failover:MaxDelay"] = "00:00:00.400",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>OpenAI-compatible providers given by their full JSON fields (no default latency).</summary>
    public static string Scenario(params (string Name, string Fields)[] providers) =>
        $$"""{ "seed": 1, "providers": [ {{string.Join(",", providers.Select(p => $$"""{ "name": "{{p.Name}}", "api": "openai" {{(p.Fields.Length > 0 ? "," : "")}} {{p.Fields}} }"""))}} ] }""";

    public static string Prompt(string content = "hello there") =>
        JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content } } });

    public static async Task<HttpResponseMessage> PostAsync(ChatApp app, string path, string? body = null, string? prefer = null)
    {
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.RelativeOrAbsolute))
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (prefer is not null)
        {
            request.Headers.TryAddWithoutValidation("Prefer", prefer);
        }

        return await client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> SendAsync(ChatApp app, HttpMethod method, string path)
    {
        using var client = app.Client();
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.RelativeOrAbsolute));
        return await client.SendAsync(request);
    }

    /// <summary>Starts a prompt and returns the id of the instance from the 202.</summary>
    public static async Task<string> StartAsync(ChatApp app, string? body = null, string path = "/api/prompts")
    {
        using var response = await PostAsync(app, path, body ?? Prompt());
        var json = await JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"start answered {(int)response.StatusCode}: {json}");
        return json.GetProperty("id").GetString()!;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> StatusAsync(ChatApp app, string instanceId, bool showHistory = false)
    {
        using var client = app.Client();
        var path = $"{InstancesPath}/{Uri.EscapeDataString(instanceId)}" + (showHistory ? "?showHistory=true" : string.Empty);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await JsonAsync(response));
    }

    public static async Task<JsonElement> WaitForStatusAsync(ChatApp app, string instanceId, string runtimeStatus, bool showHistory = false)
    {
        var last = default(JsonElement);
        await Eventually.WaitAsync(
            async () =>
            {
                (_, last) = await StatusAsync(app, instanceId, showHistory);
                return last.ValueKind == JsonValueKind.Object && last.TryGetProperty("runtimeStatus", out var s) && s.GetString() == runtimeStatus;
            },
            WaitLimit,
            () => $"instance {instanceId} to be {runtimeStatus}; last seen: {last}");
        return last;
    }

    /// <summary>Waits until the instance waits on a durable timer and returns when it is due.</summary>
    public static async Task<DateTimeOffset> WaitForTimerAsync(ChatApp app, string instanceId)
    {
        DateTimeOffset? due = null;
        await Eventually.WaitAsync(
            async () =>
            {
                var (_, body) = await StatusAsync(app, instanceId);
                if (body.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
                    && custom.GetProperty("phase").GetString() == "waiting" && custom.GetProperty("nextRetryAt").ValueKind == JsonValueKind.String)
                {
                    due = custom.GetProperty("nextRetryAt").GetDateTimeOffset();
                    return true;
                }

                return false;
            },
            WaitLimit,
            $"instance {instanceId} to wait on a timer");
        return due!.Value;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body, string? Continuation)> ListAsync(ChatApp app, string query = "", string? continuation = null)
    {
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(InstancesPath + query, UriKind.Relative));
        if (continuation is not null)
        {
            request.Headers.Add("x-ms-continuation-token", continuation);
        }

        using var response = await client.SendAsync(request);
        var next = response.Headers.TryGetValues("x-ms-continuation-token", out var values) ? values.FirstOrDefault() : null;
        return (response.StatusCode, await JsonAsync(response), next);
    }

    public static IReadOnlyList<JsonElement> History(JsonElement status) =>
        [.. status.GetProperty("historyEvents").EnumerateArray()];

    public static int Count(JsonElement status, string eventType) =>
        History(status).Count(e => e.GetProperty("EventType").GetString() == eventType);

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0)
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            Assert.Fail($"HTTP {(int)response.StatusCode} answered a body that is not JSON: {(text.Length > 3000 ? text[..3000] : text)}");
            throw;
        }
    }

    /// <summary>Asserts a 4xx JSON error naming <paramref name="param"/> in its param (and, for a 400, in its message).</summary>
    public static async Task AssertErrorNamingAsync(HttpResponseMessage response, HttpStatusCode expected, string param)
    {
        var body = await JsonAsync(response);
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        var error = body.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (expected == HttpStatusCode.BadRequest)
        {
            Assert.Contains(param, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        }
    }
}
