using LlmFunctions.FunctionApp;
using LlmFunctions.FunctionApp.Configuration;

var builder = WebApplication.CreateSlimBuilder(args);
var root = builder.Configuration.AddFunctionsConfiguration(builder.Environment.ContentRootPath);
builder.Logging.AddConfiguration(builder.Configuration.GetSection("AzureFunctionsJobHost:logging"));
builder.Services.AddFunctionApp(builder.Configuration);

var app = builder.Build();
app.MapFunctions();
app.Logger.LogInformation("LlmFunctions settings read from {Root}", root);
await app.RunAsync();

/// <summary>The entry point; public so that tests can host the app in-process.</summary>
public partial class Program;
