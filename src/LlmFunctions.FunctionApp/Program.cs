using LlmFunctions.FunctionApp;
using LlmFunctions.FunctionApp.Configuration;
using Microsoft.Azure.Functions.Worker.Builder;

// Under the Functions host (func start, Azure): the isolated worker with ASP.NET Core integration. The standalone host
// (src/LlmFunctions.StandaloneHost) runs the same function classes with the same services where func is absent.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Configuration.AddFunctionsConfiguration(Directory.GetCurrentDirectory());
builder.Services.AddFunctionApp(builder.Configuration);
await builder.Build().RunAsync();
