namespace LlmFunctions.Cli.Batch;

/// <summary>One chat message of a prompt.</summary>
/// <param name="Role">system, user or assistant.</param>
/// <param name="Content">The text.</param>
public sealed record ChatMessage(string Role, string Content);

/// <summary>One prompt of a batch.</summary>
/// <param name="Index">The 0-based position among the input's records (blank lines not counted); the key of its result.
/// A bad record keeps its index, so fixing it later shifts no other item.</param>
/// <param name="Line">The 1-based line the record starts on.</param>
/// <param name="Id">The caller's own id, if the record had one.</param>
/// <param name="Messages">The messages to send.</param>
/// <param name="Model">A model hint for this item, overriding the run's.</param>
/// <param name="MaxTokens">max_tokens for this item, overriding the run's.</param>
public sealed record BatchItem(int Index, int Line, string? Id, IReadOnlyList<ChatMessage> Messages, string? Model = null, int? MaxTokens = null)
{
    /// <summary>The prompt's size in characters, as the gateway counts it (the messages' contents).</summary>
    public int PromptChars => Messages.Sum(m => m.Content.Length);
}

/// <summary>A record of the input that cannot be sent.</summary>
/// <param name="Line">The 1-based line it starts on (0 for the file as a whole).</param>
/// <param name="Field">The field at fault, if one is.</param>
/// <param name="Message">What is wrong.</param>
public sealed record InputError(int Line, string? Field, string Message)
{
    /// <inheritdoc/>
    public override string ToString() =>
        (Line > 0 ? $"line {Line}" : "input") + (Field is null ? "" : $", field '{Field}'") + ": " + Message;
}

/// <summary>The items of an input file and the records that could not be read.</summary>
/// <param name="Items">Good items, in file order.</param>
/// <param name="Errors">Bad records, in file order.</param>
/// <param name="Records">How many records the file has, good or bad.</param>
public sealed record InputFile(IReadOnlyList<BatchItem> Items, IReadOnlyList<InputError> Errors, int Records);
