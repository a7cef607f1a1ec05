namespace LlmFunctions.FunctionApp.Configuration;

/// <summary>Finds the function app's root: the folder holding <c>host.json</c> (and <c>local.settings.json</c>).</summary>
internal static class FunctionAppRoot
{
    /// <summary>Walks up from each start folder to the first folder that holds <c>host.json</c>.</summary>
    /// <param name="startFolders">Where to start looking (content root, then the app's base directory).</param>
    /// <returns>The folder, or null when none holds host.json.</returns>
    public static string? Locate(params string[] startFolders)
    {
        foreach (var start in startFolders)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "host.json")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
