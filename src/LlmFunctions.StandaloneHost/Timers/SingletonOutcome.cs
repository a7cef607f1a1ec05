namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>What became of one timer occurrence on this host.</summary>
internal enum SingletonOutcome
{
    /// <summary>This host ran it.</summary>
    Ran,

    /// <summary>Another host holds the lease and is running it.</summary>
    LeaseHeld,

    /// <summary>Another host already ran this occurrence.</summary>
    AlreadyRan,
}
