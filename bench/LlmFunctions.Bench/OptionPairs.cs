namespace LlmFunctions.Bench;

/// <summary>The bench's command lines are <c>--name value</c> pairs; this splits them and checks what both modes share.</summary>
internal static class OptionPairs
{
    /// <summary>The pairs in order, or null with <paramref name="error"/> naming the option without a value or the
    /// stray argument.</summary>
    public static List<(string Name, string Value)>? Split(IReadOnlyList<string> args, out string? error)
    {
        var pairs = new List<(string, string)>();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = name.StartsWith("--", StringComparison.Ordinal) ? $"{name} needs a value" : $"unexpected argument '{name}'";
                return null;
            }

            pairs.Add((name, args[++i]));
        }

        return pairs;
    }

    /// <summary>The full path of <c>--app</c>'s file, which must exist.</summary>
    public static bool TryApp(string value, out string? path, out string? error)
    {
        path = Path.GetFullPath(value);
        error = File.Exists(path) ? null : $"--app: no such file '{path}'";
        return error is null;
    }
}
