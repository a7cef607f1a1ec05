using LlmFunctions.StandaloneHost;

await StandaloneApp.Build(args).RunAsync();

/// <summary>The entry point; public so that tests can host the app in-process.</summary>
public partial class Program;
