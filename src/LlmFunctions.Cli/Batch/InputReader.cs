using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmFunctions.Cli.Batch;

/// <summary>The formats an input file can have.</summary>
public enum InputFormat
{
    /// <summary>One JSON object a line: <c>{"prompt": "..."}</c> or <c>{"messages": [...]}</c>, optional <c>id</c>,
    /// <c>model</c>, <c>max_tokens</c>.</summary>
    Jsonl,

    /// <summary>RFC 4180 CSV with a header row naming a <c>prompt</c> column (optional <c>id</c>, <c>model</c>).</summary>
    Csv,
}

/// <summary>Reads a batch's prompts. A bad record is reported with its line number and skipped; the rest are read.</summary>
public static class InputReader
{
    private static readonly string[] Roles = ["system", "user", "assistant"];

    /// <summary>The format a file's extension implies: <c>.csv</c> is CSV, anything else JSONL.</summary>
    public static InputFormat FormatOf(string path) =>
        string.Equals(Path.GetExtension(path), ".csv", StringComparison.OrdinalIgnoreCase) ? InputFormat.Csv : InputFormat.Jsonl;

    /// <summary>Reads a file; a missing file is a <see cref="FileNotFoundException"/>.</summary>
    public static InputFile ReadFile(string path, InputFormat? format = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"input file '{path}' does not exist", path);
        }

        return Read(File.ReadAllText(path, Encoding.UTF8), format ?? FormatOf(path));
    }

    /// <summary>Reads text in the given format.</summary>
    public static InputFile Read(string text, InputFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.TrimStart('\uFEFF');
        return format == InputFormat.Csv ? ReadCsv(text) : ReadJsonl(text);
    }

    private static InputFile ReadJsonl(string text)
    {
        var items = new List<BatchItem>();
        var errors = new List<InputError>();
        var lines = text.Split('\n');
        var index = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var number = i + 1;
            var record = index++;
            JsonElement json;
            try
            {
                using var document = JsonDocument.Parse(line);
                json = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                errors.Add(new InputError(number, null, "not valid JSON: " + JsonProblem(e)));
                continue;
            }

            if (json.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new InputError(number, null, $"must be a JSON object, was {json.ValueKind}"));
                continue;
            }

            var (item, error) = FromJson(json, record, number);
            if (error is not null)
            {
                errors.Add(error);
            }
            else
            {
                items.Add(item!);
            }
        }

        return new InputFile(items, errors, index);
    }

    /// <summary>What the parser found wrong, at which byte of the line. Its own message ends with a 0-based line number
    /// within the one line parsed, which next to the file's line number would give the reader two.</summary>
    private static string JsonProblem(JsonException e)
    {
        var message = e.Message;
        var position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var path = message.IndexOf(" Path:", StringComparison.Ordinal);
        var cut = position < 0 ? path : path < 0 ? position : Math.Min(position, path);
        message = (cut < 0 ? message : message[..cut]).TrimEnd(' ', '|');
        return e.BytePositionInLine is { } column ? string.Create(CultureInfo.InvariantCulture, $"{message} (at byte {column + 1} of the line)") : message;
    }

    private static (BatchItem? Item, InputError? Error) FromJson(JsonElement json, int index, int line)
    {
        var hasPrompt = json.TryGetProperty("prompt", out var prompt) && prompt.ValueKind != JsonValueKind.Null;
        var hasMessages = json.TryGetProperty("messages", out var messages) && messages.ValueKind != JsonValueKind.Null;
        if (hasPrompt == hasMessages)
        {
            return (null, new InputError(line, hasPrompt ? "messages" : "prompt", hasPrompt ? "give either prompt or messages, not both" : "missing: give a prompt (string) or messages (array)"));
        }

        List<ChatMessage> list = [];
        if (hasPrompt)
        {
            if (prompt.ValueKind != JsonValueKind.String)
            {
                return (null, new InputError(line, "prompt", $"must be a string, was {prompt.ValueKind}"));
            }

            if (string.IsNullOrWhiteSpace(prompt.GetString()))
            {
                return (null, new InputError(line, "prompt", "must not be empty"));
            }

            list.Add(new ChatMessage("user", prompt.GetString()!));
        }
        else
        {
            if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            {
                return (null, new InputError(line, "messages", "must be a non-empty array of {role, content}"));
            }

            var i = 0;
            foreach (var m in messages.EnumerateArray())
            {
                var field = string.Create(CultureInfo.InvariantCulture, $"messages[{i++}]");
                if (m.ValueKind != JsonValueKind.Object
                    || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                    || !m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                {
                    return (null, new InputError(line, field, "must be an object with string role and content"));
                }

                if (!Roles.Contains(role.GetString()))
                {
                    return (null, new InputError(line, field + ".role", $"must be one of {string.Join(", ", Roles)}, was '{role.GetString()}'"));
                }

                if (string.IsNullOrWhiteSpace(content.GetString()))
                {
                    return (null, new InputError(line, field + ".content", "must not be empty"));
                }

                list.Add(new ChatMessage(role.GetString()!, content.GetString()!));
            }
        }

        string? id = null;
        if (json.TryGetProperty("id", out var idValue) && idValue.ValueKind != JsonValueKind.Null)
        {
            if (idValue.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                return (null, new InputError(line, "id", $"must be a string or a number, was {idValue.ValueKind}"));
            }

            id = idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : idValue.GetRawText();
        }

        string? model = null;
        if (json.TryGetProperty("model", out var modelValue) && modelValue.ValueKind != JsonValueKind.Null)
        {
            if (modelValue.ValueKind != JsonValueKind.String)
            {
                return (null, new InputError(line, "model", $"must be a string, was {modelValue.ValueKind}"));
            }

            model = modelValue.GetString();
        }

        int? maxTokens = null;
        if (json.TryGetProperty("max_tokens", out var tokens) && tokens.ValueKind != JsonValueKind.Null)
        {
            if (tokens.ValueKind != JsonValueKind.Number || !tokens.TryGetInt32(out var n) || n < 1)
            {
                return (null, new InputError(line, "max_tokens", $"must be a whole number of at least 1, was {tokens.GetRawText()}"));
            }

            maxTokens = n;
        }

        return (new BatchItem(index, line, id, list, model, maxTokens), null);
    }

    private static InputFile ReadCsv(string text)
    {
        var items = new List<BatchItem>();
        var errors = new List<InputError>();
        var records = ParseCsv(text, errors);
        if (records.Count == 0)
        {
            if (errors.Count == 0)
            {
                errors.Add(new InputError(0, null, "the CSV file is empty: it needs a header row with a 'prompt' column"));
            }

            return new InputFile(items, errors, 0);
        }

        var header = records[0].Fields.Select(f => f.Trim()).ToList();
        var promptColumn = header.FindIndex(h => string.Equals(h, "prompt", StringComparison.OrdinalIgnoreCase));
        if (promptColumn < 0)
        {
            errors.Insert(0, new InputError(records[0].Line, "prompt", $"the header row has no 'prompt' column (columns: {string.Join(", ", header)})"));
            return new InputFile(items, errors, 0);
        }

        var idColumn = header.FindIndex(h => string.Equals(h, "id", StringComparison.OrdinalIgnoreCase));
        var modelColumn = header.FindIndex(h => string.Equals(h, "model", StringComparison.OrdinalIgnoreCase));
        var index = 0;
        foreach (var (line, fields) in records.Skip(1))
        {
            var record = index++;
            if (fields.Count != header.Count)
            {
                errors.Add(new InputError(line, null, $"has {fields.Count} fields, the header has {header.Count}"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(fields[promptColumn]))
            {
                errors.Add(new InputError(line, "prompt", "must not be empty"));
                continue;
            }

            items.Add(new BatchItem(
                record,
                line,
                idColumn >= 0 && fields[idColumn].Length > 0 ? fields[idColumn] : null,
                [new ChatMessage("user", fields[promptColumn])],
                modelColumn >= 0 && fields[modelColumn].Length > 0 ? fields[modelColumn] : null));
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        return new InputFile(items, errors, index);
    }

    /// <summary>RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. Blank lines are skipped. An
    /// unterminated quote is reported at the line its record starts on and ends the file.</summary>
    private static List<(int Line, List<string> Fields)> ParseCsv(string text, List<InputError> errors)
    {
        var records = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var start = 1;
        var quoted = false;
        var fieldWasQuoted = false;
        var i = 0;

        void EndRecord()
        {
            fields.Add(field.ToString());
            field.Clear();
            if (!(fields.Count == 1 && fields[0].Length == 0 && !fieldWasQuoted))
            {
                records.Add((start, fields));
            }

            fields = [];
            fieldWasQuoted = false;
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                        continue;
                    }

                    quoted = false;
                }
                else
                {
                    // A line break inside quotes counts as the reader sees it: \n, \r\n (once) or a lone \r.
                    line += c == '\n' || (c == '\r' && !(i + 1 < text.Length && text[i + 1] == '\n')) ? 1 : 0;
                    field.Append(c);
                }

                i++;
                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    fieldWasQuoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldWasQuoted = false;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\n' or '\r':
                    EndRecord();
                    line++;
                    start = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }

            i++;
        }

        if (quoted)
        {
            errors.Add(new InputError(start, null, "a quoted field is not closed before the end of the file"));
            return records;
        }

        if (field.Length > 0 || fields.Count > 0 || fieldWasQuoted)
        {
            EndRecord();
        }

        return records;
    }
}
