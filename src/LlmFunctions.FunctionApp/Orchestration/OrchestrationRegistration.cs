using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using LlmFunctions.FunctionApp.Functions;
using LlmFunctions.Storage;
using Microsoft.Extensions.Options;

namespace LlmFunctions.FunctionApp.Orchestration;

/// <summary>Registers the durable orchestration: task hub storage, the client, the orchestrator and this host's worker.</summary>
internal static class OrchestrationRegistration
{
    public static IServiceCollection AddPromptOrchestration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OrchestrationOptions>().BindConfiguration(OrchestrationOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OrchestrationOptions>, OrchestrationOptionsValidator>();
        services.AddSingleton(_ => TaskHubNames.FromConfiguration(configuration));
        services.AddSingleton(_ => StorageConnection.CreateClient(configuration, c => new QueueServiceClient(c)));
        services.AddSingleton(sp => new InstanceStore(
            sp.GetRequiredService<TableServiceClient>().GetTableClient(sp.GetRequiredService<TaskHubNames>().InstancesTable),
            sp.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(sp.GetRequiredService<TaskHubNames>().LargePayloadContainer)));
        services.AddSingleton(sp =>
        {
            var queues = sp.GetRequiredService<QueueServiceClient>();
            var hub = sp.GetRequiredService<TaskHubNames>();
            return new WorkQueue(queues.GetQueueClient(hub.ControlQueue), queues.GetQueueClient(hub.PoisonQueue));
        });
        services.AddSingleton<OrchestrationSignal>();
        services.AddSingleton<StepDispatcher>();
        services.AddSingleton<OrchestrationClient>();
        services.AddSingleton<PromptOrchestrator>();
        services.AddSingleton<InstanceManagementApi>();
        services.AddHostedService<OrchestrationWorker>();
        return services;
    }
}
