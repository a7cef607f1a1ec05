using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace LlmFunctions.Tests.StandaloneHost.Durable;

public sealed record GreetInput(string Name);

public sealed record ApprovalRequest(string Request);

public sealed record Approval(string By);

/// <summary>What the test functions saw, shared with the tests (a singleton in the engine's container).</summary>
public sealed class EngineProbe
{
    private int _scopesCreated;
    private int _scopesDisposed;

    public ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> FlakyCalls { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> RetryFailureTypes { get; } = new();

    public int ScopesCreated => Volatile.Read(ref _scopesCreated);

    public int ScopesDisposed => Volatile.Read(ref _scopesDisposed);

    public void ScopeCreated() => Interlocked.Increment(ref _scopesCreated);

    public void ScopeDisposed() => Interlocked.Increment(ref _scopesDisposed);
}

/// <summary>A scoped dependency of the test functions: counts how many scopes were made and disposed.</summary>
public sealed class ScopedGreeter : IDisposable
{
    private readonly EngineProbe _probe;
    private readonly string _salutation = "Hello";

    public ScopedGreeter(EngineProbe probe)
    {
        _probe = probe;
        probe.ScopeCreated();
    }

    public string Greet(string name) => $"{_salutation} {name}";

    public string Normalize(string name) => _salutation.Length > 0 ? name.Trim() : name;

    public void Dispose() => _probe.ScopeDisposed();
}

/// <summary>Orchestrator and activity functions declared as the function app declares them, run by the standalone host's engine.</summary>
public sealed class EngineTestFunctions(ScopedGreeter greeter, EngineProbe probe)
{
    public const string Greet = "EngineTest_Greet";
    public const string SayHello = "EngineTest_SayHello";
    public const string RetryFlaky = "EngineTest_RetryFlaky";
    public const string Flaky = "EngineTest_Flaky";
    public const string WaitForApproval = "EngineTest_WaitForApproval";
    public const string ApproveEvent = "Approve";

    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    [Function(Greet)]
    public async Task<string> GreetOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<GreetInput>() ?? throw new InvalidOperationException("no input");
        return await context.CallActivityAsync<string>(SayHello, new GreetInput(greeter.Normalize(input.Name)));
    }

    [Function(SayHello)]
    public string SayHelloActivity([ActivityTrigger] GreetInput input, string instanceId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return $"{greeter.Greet(input.Name)} from {instanceId}";
    }

    [Function(RetryFlaky)]
    public Task<string> RetryFlakyOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var options = TaskOptions.FromRetryHandler(async retry =>
        {
            if (!retry.OrchestrationContext.IsReplaying)
            {
                probe.RetryFailureTypes.Enqueue(retry.LastFailure.ErrorType);
            }

            if (retry.LastAttemptNumber >= 3)
            {
                return false;
            }

            await retry.OrchestrationContext.CreateTimer(RetryDelay, retry.CancellationToken);
            return true;
        });
        return context.CallActivityAsync<string>(Flaky, context.InstanceId, options);
    }

    [Function(Flaky)]
    public string FlakyActivity([ActivityTrigger] string caller, string instanceId)
    {
        var calls = probe.FlakyCalls.GetOrAdd(instanceId, _ => new ConcurrentQueue<DateTimeOffset>());
        calls.Enqueue(TimeProvider.System.GetUtcNow());
        return calls.Count == 1
            ? throw new InvalidOperationException($"first call for {caller} fails")
            : $"succeeded on call {calls.Count}";
    }

    // The input bound as a parameter, as the isolated worker's OrchestrationInputConverter does.
    [Function(WaitForApproval)]
    public static async Task<string> WaitForApprovalOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context, ApprovalRequest request)
    {
        context.SetCustomStatus(new { stage = "waiting" });
        var approval = await context.WaitForExternalEvent<Approval>(ApproveEvent);
        return $"{request.Request} approved by {approval.By}";
    }
}

/// <summary>An activity with a parameter the standalone host cannot bind.</summary>
public sealed class UnsupportedParameterFunctions
{
    [Function("EngineTest_NeedsFunctionContext")]
    public static string Run([ActivityTrigger] string input, FunctionContext context) => input + context.InvocationId;
}
