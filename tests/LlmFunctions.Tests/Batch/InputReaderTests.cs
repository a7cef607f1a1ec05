using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Tests.Batch;

public sealed class InputReaderTests
{
    [Fact]
    public void Jsonl_ReadsPromptsAndMessages_IndexesSkipBlankLines()
    {
        var input = InputReader.Read(
            """
            {"prompt": "first", "id": "a"}

            {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "second"}], "model": "m", "max_tokens": 5}
            {"prompt": "third", "id": 7}
            """,
            InputFormat.Jsonl);
        Assert.Empty(input.Errors);
        Assert.Equal(3, input.Records);
        Assert.Equal([0, 1, 2], input.Items.Select(i => i.Index));
        Assert.Equal([1, 3, 4], input.Items.Select(i => i.Line));
        Assert.Equal("a", input.Items[0].Id);
        Assert.Equal("7", input.Items[2].Id);
        Assert.Equal(new ChatMessage("user", "first"), input.Items[0].Messages.Single());
        Assert.Equal(2, input.Items[1].Messages.Count);
        Assert.Equal(("m", 5), (input.Items[1].Model, input.Items[1].MaxTokens));
    }

    [Fact]
    public void Jsonl_BadLines_AreReportedWithLineAndField_OtherLinesGoOn()
    {
        var input = InputReader.Read(
            string.Join('\n',
                """{"prompt": "ok 0"}""",
                """{"prompt": "" }""",
                """not json""",
                """{"prompt": "ok 3"}""",
                """[1, 2]""",
                """{"messages": []}""",
                """{"messages": [{"role": "robot", "content": "x"}]}""",
                """{"messages": [{"role": "user", "content": " "}]}""",
                """{"prompt": 3}""",
                """{"other": 1}""",
                """{"prompt": "x", "messages": [{"role": "user", "content": "y"}]}""",
                """{"prompt": "x", "max_tokens": 0}""",
                """{"prompt": "ok 12"}"""),
            InputFormat.Jsonl);
        Assert.Equal([0, 3, 12], input.Items.Select(i => i.Index));
        (int Line, string? Field, string Message)[] expected =
        [
            (2, "prompt", "must not be empty"),
            (3, null, "not valid JSON: "),
            (5, null, "must be a JSON object, was Array"),
            (6, "messages", "must be a non-empty array of {role, content}"),
            (7, "messages[0].role", "must be one of system, user, assistant, was 'robot'"),
            (8, "messages[0].content", "must not be empty"),
            (9, "prompt", "must be a string, was Number"),
            (10, "prompt", "missing: give a prompt (string) or messages (array)"),
            (11, "messages", "give either prompt or messages, not both"),
            (12, "max_tokens", "must be a whole number of at least 1, was 0"),
        ];
        Assert.Equal(expected.Length, input.Errors.Count);
        foreach (var (e, actual) in expected.Zip(input.Errors))
        {
            Assert.Equal((e.Line, e.Field), (actual.Line, actual.Field));
            Assert.StartsWith(e.Message, actual.Message, StringComparison.Ordinal);
        }

        Assert.StartsWith("line 3: not valid JSON: ", input.Errors[1].ToString());
    }

    [Fact]
    public void Csv_QuotedFieldsWithCommasQuotesAndNewlines_AndLineNumbersOfRecordStarts()
    {
        var input = InputReader.Read(
            "id,prompt,model\r\n" +
            "a,plain,\r\n" +
            "b,\"with, comma and \"\"quotes\"\"\",m1\r\n" +
            "c,\"two\nlines\",\r\n" +
            "\r\n" +
            "d,\"\",\r\n" +
            "e,only two\r\n" +
            "f,last,m2",
            InputFormat.Csv);
        Assert.Equal(6, input.Records);
        Assert.Equal(["a", "b", "c", "f"], input.Items.Select(i => i.Id));
        Assert.Equal([0, 1, 2], input.Items.Select(i => i.Index).Take(3));
        Assert.Equal("with, comma and \"quotes\"", input.Items[1].Messages[0].Content);
        Assert.Equal("m1", input.Items[1].Model);
        Assert.Equal("two\nlines", input.Items[2].Messages[0].Content);
        Assert.Equal([2, 3, 4], input.Items.Select(i => i.Line).Take(3));
        Assert.Equal(
            ["line 7, field 'prompt': must not be empty", "line 8: has 2 fields, the header has 3"],
            input.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("not json", 2)]
    [InlineData("{\"prompt\": \"x\"", 15)]
    [InlineData("{\"prompt\": \"x\"} trailing", 17)]
    [InlineData("{\"prompt\": [1,]}", 15)]
    public void Jsonl_InvalidJson_MessageGivesTheFilesLineNumberOnly_AndWhereOnTheLine(string bad, int bytePosition)
    {
        var error = InputReader.Read(string.Join('\n', """{"prompt": "ok"}""", "", bad), InputFormat.Jsonl).Errors.Single();

        var text = error.ToString();
        Assert.StartsWith("line 3: not valid JSON: ", text, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "line ?number|line \\d|linenumber", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        Assert.DoesNotContain("LineNumber", text, StringComparison.Ordinal);
        Assert.EndsWith($"(at byte {bytePosition} of the line)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_LoneCarriageReturnInsideQuotes_CountsAsALineBreak_SoLaterLinesAreRight()
    {
        var input = InputReader.Read("prompt\n\"two\rlines\"\n\"\"\n", InputFormat.Csv);

        Assert.Equal(2, input.Items.Single().Line);
        Assert.Equal("line 4, field 'prompt': must not be empty", input.Errors.Single().ToString());
    }

    [Fact]
    public void Csv_LastRecordWithoutLineBreak_IsRead()
    {
        var input = InputReader.Read("prompt\nhello", InputFormat.Csv);
        Assert.Equal("hello", input.Items.Single().Messages[0].Content);
    }

    [Fact]
    public void Csv_WithoutPromptColumn_OrUnclosedQuote_IsReported()
    {
        Assert.Equal("line 1, field 'prompt': the header row has no 'prompt' column (columns: id, text)", InputReader.Read("id,text\n1,x", InputFormat.Csv).Errors.Single().ToString());
        var unclosed = InputReader.Read("prompt\nfine\n\"never closed\nmore", InputFormat.Csv);
        Assert.Equal("fine", unclosed.Items.Single().Messages[0].Content);
        Assert.Equal("line 3: a quoted field is not closed before the end of the file", unclosed.Errors.Single().ToString());
        Assert.Contains("empty", InputReader.Read("", InputFormat.Csv).Errors.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_MissingFile_SaysWhich_AndFormatFollowsTheExtension()
    {
        var e = Assert.Throws<FileNotFoundException>(() => InputReader.ReadFile("/nonexistent/prompts.jsonl"));
        Assert.Contains("/nonexistent/prompts.jsonl", e.Message, StringComparison.Ordinal);
        Assert.Equal(InputFormat.Csv, InputReader.FormatOf("a/B.CSV"));
        Assert.Equal(InputFormat.Jsonl, InputReader.FormatOf("a/b.jsonl"));
    }
}
