namespace LlmFunctions.Simulator;

/// <summary>The phase of a flapping provider, anchored at its first call.</summary>
internal sealed class FlapState(FlapSpec spec, double timeScale)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _anchor;

    public FlapSpec Spec => spec;

    /// <summary>Tells whether the provider is in an outage at <paramref name="now"/>.</summary>
    public bool IsDown(DateTimeOffset now)
    {
        DateTimeOffset anchor;
        lock (_gate)
        {
            anchor = _anchor ??= now;
        }

        var up = spec.UpSeconds * timeScale;
        var cycle = up + (spec.DownSeconds * timeScale);
        var phase = (now - anchor).TotalSeconds % cycle;
        return phase >= up;
    }
}
