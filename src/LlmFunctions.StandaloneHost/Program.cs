// Placeholder while the standalone host is assembled on this branch; the entry point is wired last.
Console.Error.WriteLine("LlmFunctions.StandaloneHost: not wired yet.");
return 1;
