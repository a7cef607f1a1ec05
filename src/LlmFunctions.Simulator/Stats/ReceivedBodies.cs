using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace LlmFunctions.Simulator;

/// <summary>The last request bodies each provider received, as sent, so tests can see what reached a provider.</summary>
internal sealed class ReceivedBodies
{
    /// <summary>How many bodies are kept per provider; older ones are dropped.</summary>
    public const int PerProvider = 64;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _bodies = new(StringComparer.OrdinalIgnoreCase);

    public void Add(string provider, string body)
    {
        var queue = _bodies.GetOrAdd(provider, _ => new ConcurrentQueue<string>());
        queue.Enqueue(body);
        while (queue.Count > PerProvider && queue.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<string> Of(string provider) =>
        _bodies.TryGetValue(provider, out var queue) ? [.. queue] : [];

    public JsonArray ToJson(string provider) =>
        [.. Of(provider).Select(body => JsonNode.Parse(body))];

    public void Clear() => _bodies.Clear();
}
