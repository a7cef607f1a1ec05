using LlmFunctions.FunctionApp;
using LlmFunctions.FunctionApp.Configuration;
using LlmFunctions.FunctionApp.Functions;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddFunctionsConfiguration(builder.Environment.ContentRootPath);
builder.Logging.AddConfiguration(builder.Configuration.GetSection("AzureFunctionsJobHost:logging"));
builder.Services.AddFunctionApp(builder.Configuration);

var app = builder.Build();
app.MapFunctions();
await app.RunAsync();

/// <summary>The entry point; public so that tests can host the app in-process.</summary>
public partial class Program;
