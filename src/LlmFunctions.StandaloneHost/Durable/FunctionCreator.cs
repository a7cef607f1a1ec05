using DurableTask.Core;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>Makes DTFx's object for a function, under the function's name, each time the engine asks for one.</summary>
/// <typeparam name="T">A <see cref="TaskOrchestration"/> or a <see cref="TaskActivity"/>.</typeparam>
internal sealed class FunctionCreator<T> : ObjectCreator<T>
{
    private readonly Func<T> _create;

    public FunctionCreator(string name, Func<T> create)
    {
        _create = create;
        Name = name;
        Version = string.Empty;
    }

    public override T Create() => _create();
}
