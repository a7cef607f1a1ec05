using System.Text;
using System.Text.Json.Nodes;

namespace LlmFunctions.Tests.OpenAi;

/// <summary>
/// Generates request bodies for fuzzing from a seeded random source: valid chat bodies (tools, parts, tool messages,
/// every sampling field) with one to three mutations each, at the JSON level (a value replaced by one of another type,
/// a field dropped or added, a lone surrogate escape) or the byte level (a byte flipped, inserted or cut, invalid UTF-8,
/// the body cut short), plus a share of pure noise, deep nesting and empty bodies.
/// </summary>
internal sealed class FuzzBodies(int seed)
{
    private static readonly string[] Seeds =
    [
        """{"model":"auto","messages":[{"role":"user","content":"hello"}]}""",
        """{"model":"Groq","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}],"max_tokens":20,"temperature":0.5,"seed":1}""",
        """{"messages":[{"role":"developer","content":"x"},{"role":"user","content":[{"type":"text","text":"what?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}],"n":2,"stop":["\n"]}""",
        """{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto"}""",
        """{"model":"Groq/llama-3.3-70b-versatile","messages":[{"role":"user","content":"long long text"}],"allow_truncation":true,"deadline_seconds":5,"response_format":{"type":"json_object"},"logit_bias":{"1":2},"user":"u"}""",
    ];

    private static readonly string[] Names =
    [
        "model", "messages", "role", "content", "stream", "max_tokens", "max_completion_tokens", "temperature", "n",
        "allow_truncation", "deadline_seconds", "tools", "tool_calls", "tool_call_id", "type", "text", "x",
    ];

    private readonly Random _random = new(seed);

    /// <summary>Gets the next body.</summary>
    public byte[] Next()
    {
        return _random.Next(20) switch
        {
            0 => Noise(),
            1 => Encoding.UTF8.GetBytes(new string('[', _random.Next(20, 200)) + new string(']', _random.Next(0, 200))),
            2 => [],
            _ => Mutated(),
        };
    }

    private byte[] Mutated()
    {
        var node = JsonNode.Parse(Seeds[_random.Next(Seeds.Length)])!;
        var mutations = _random.Next(1, 4);
        for (var i = 0; i < mutations; i++)
        {
            node = MutateNode(node);
        }

        var bytes = Encoding.UTF8.GetBytes(node.ToJsonString());
        if (_random.Next(3) == 0)
        {
            bytes = InsertLoneSurrogateEscape(bytes);
        }

        return _random.Next(3) == 0 ? MutateBytes(bytes) : bytes;
    }

    private JsonNode MutateNode(JsonNode root)
    {
        var all = Descendants(root).ToList();
        var target = all[_random.Next(all.Count)];
        switch (_random.Next(3))
        {
            case 0 when target.Parent is JsonObject parent:
                parent.Remove(target.GetPropertyName());
                return root;
            case 1 when target is JsonObject obj:
                obj[Names[_random.Next(Names.Length)] + (_random.Next(4) == 0 ? "_" : string.Empty)] = RandomValue(2);
                return root;
            default:
                if (target.Parent is JsonObject owner)
                {
                    owner[target.GetPropertyName()] = RandomValue(2);
                }
                else if (target.Parent is JsonArray array)
                {
                    array[target.GetElementIndex()] = RandomValue(2);
                }
                else
                {
                    return RandomValue(3) ?? JsonValue.Create(0);
                }

                return root;
        }
    }

    private JsonNode? RandomValue(int depth) => _random.Next(depth > 0 ? 12 : 9) switch
    {
        0 => null,
        1 => JsonValue.Create(_random.Next(2) == 0),
        2 => JsonValue.Create(_random.Next(-3, 3) * Math.Pow(10, _random.Next(0, 12))),
        3 => JsonNode.Parse(_random.Next(3) switch { 0 => "1e400", 1 => "-0.0000000000000000000000001", _ => "123456789012345678901234567890" }),
        4 => JsonValue.Create(Names[_random.Next(Names.Length)]),
        5 => JsonValue.Create(new string('z', _random.Next(0, 5000))),
        6 => JsonValue.Create(string.Empty),
        7 => JsonValue.Create("auto"),
        8 => JsonValue.Create(_random.Next(int.MinValue, int.MaxValue)),
        9 => new JsonArray([.. Enumerable.Range(0, _random.Next(0, 4)).Select(_ => RandomValue(depth - 1))]),
        10 => new JsonObject { ["role"] = RandomValue(depth - 1), ["content"] = RandomValue(depth - 1) },
        _ => new JsonObject { [Names[_random.Next(Names.Length)]] = RandomValue(depth - 1) },
    };

    private byte[] InsertLoneSurrogateEscape(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var quote = text.IndexOf(":\"", _random.Next(text.Length), StringComparison.Ordinal);
        return quote < 0 ? bytes : Encoding.UTF8.GetBytes(text.Insert(quote + 2, _random.Next(2) == 0 ? "\\ud800" : "\\udfff\\u0000"));
    }

    private byte[] MutateBytes(byte[] bytes)
    {
        var list = bytes.ToList();
        if (list.Count == 0)
        {
            return bytes;
        }

        var at = _random.Next(list.Count);
        switch (_random.Next(5))
        {
            case 0:
                list[at] = (byte)_random.Next(256);
                break;
            case 1:
                list.InsertRange(at, _random.Next(3) switch { 0 => [0xFF], 1 => [0xC3, 0x28], _ => [0xED, 0xA0, 0x80] });
                break;
            case 2:
                list.RemoveRange(at, Math.Min(list.Count - at, _random.Next(1, 8)));
                break;
            case 3:
                return [.. list.Take(at)];
            default:
                list.InsertRange(at, list.Skip(at).Take(_random.Next(1, 16)).ToList());
                break;
        }

        return [.. list];
    }

    private byte[] Noise()
    {
        var bytes = new byte[_random.Next(1, 256)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }
}
