using DurableTask.Core;
using Microsoft.DurableTask;
using LlmFunctions.StandaloneHost.Functions;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;

namespace LlmFunctions.StandaloneHost.Durable;

/// <summary>The catalog's orchestrator and activity functions, each checked at start-up and ready to register on a DTFx worker.</summary>
internal sealed class DurableFunctionRegistry
{
    private DurableFunctionRegistry(IReadOnlyList<FunctionInvoker> orchestrators, IReadOnlyList<FunctionInvoker> activities)
    {
        Orchestrators = orchestrators;
        Activities = activities;
    }

    public IReadOnlyList<FunctionInvoker> Orchestrators { get; }

    public IReadOnlyList<FunctionInvoker> Activities { get; }

    /// <summary>Builds the invokers; a function the host cannot bind throws, naming it.</summary>
    public static DurableFunctionRegistry From(FunctionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new DurableFunctionRegistry(
            [.. catalog.OfKind(TriggerKind.Orchestration).Select(FunctionInvoker.Create)],
            [.. catalog.OfKind(TriggerKind.Activity).Select(FunctionInvoker.Create)]);
    }

    /// <summary>Makes the DTFx worker that runs the functions on <paramref name="service"/>.</summary>
    public TaskHubWorker CreateWorker(IOrchestrationService service, DurableFunctionServices services)
    {
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions { DataConverter = services.DataConverter }, services.LoggerFactory);
        var worker = new TaskHubWorker(service, services.LoggerFactory)
        {
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        worker.AddTaskOrchestrations([.. Orchestrators.Select(i => new FunctionCreator<TaskOrchestration>(i.Function.Name, () => new FunctionOrchestration(shims, i, services)))]);
        worker.AddTaskActivities([.. Activities.Select(i => new FunctionCreator<TaskActivity>(i.Function.Name, () => shims.CreateActivity(new TaskName(i.Function.Name), new FunctionActivity(i, services))))]);
        worker.AddOrchestrationDispatcherMiddleware(async (context, next) =>
        {
            try
            {
                await next();
            }
            finally
            {
                if (context.GetProperty<TaskOrchestration>() is FunctionOrchestration episode)
                {
                    await episode.DisposeAsync();
                }
            }
        });
        return worker;
    }
}
