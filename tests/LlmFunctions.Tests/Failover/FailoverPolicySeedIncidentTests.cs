using LlmFunctions.Classification;
using LlmFunctions.Failover;
using static LlmFunctions.Tests.Failover.FailoverFixtures;

namespace LlmFunctions.Tests.Failover;

/// <summary>
/// The shape of incident 003 without I/O: 13 providers, 8 of them permanently dead (401/402/403/404). The first request
/// pays for discovering each dead one once; the next request skips them all on health alone.
/// </summary>
public class FailoverPolicySeedIncidentTests
{
    private static readonly (string Provider, ErrorClass Class, int Status)[] Dead =
    [
        ("P01", ErrorClass.AuthFailed, 401),
        ("P02", ErrorClass.QuotaExhausted, 402),
        ("P03", ErrorClass.AuthFailed, 403),
        ("P04", ErrorClass.NotFound, 404),
        ("P05", ErrorClass.QuotaExhausted, 402),
        ("P06", ErrorClass.NotFound, 404),
        ("P07", ErrorClass.AuthFailed, 401),
        ("P08", ErrorClass.NotFound, 410),
    ];

    private static List<Candidate> Thirteen() =>
        [.. Enumerable.Range(1, 13).Select(i => Candidate($"P{i:D2}", i))];

    [Fact]
    public void Decide_EightDeadProviders_FirstRequestDiscoversThemNextRequestSkipsThemOnHealth()
    {
        var driver = new SimulatedDriver(Policy());
        foreach (var (provider, errorClass, status) in Dead)
        {
            // Scripted twice: a second call to a dead provider would fail again and show up in the sequence.
            driver.Script(provider, Outcome(errorClass, status), Outcome(errorClass, status));
        }

        var (first, _) = driver.Run(FailoverState.Start(Request(), Thirteen()));
        var (second, secondState) = driver.Run(FailoverState.Start(Request(deadline: TimeSpan.FromSeconds(240)), Thirteen()));

        string[] expectedFirst =
        [
            .. Dead.SelectMany(d => new[] { $"attempt {d.Provider}#1", $"skip {d.Provider} PermanentFailure" }),
            "attempt P09#1",
            "finish Succeeded",
        ];
        string[] expectedSecond = [.. Dead.Select(d => $"skip {d.Provider} Disabled"), "attempt P09#1", "finish Succeeded"];
        Assert.Equal(expectedFirst, first.Select(Describe));
        Assert.Equal(expectedSecond, second.Select(Describe));
        Assert.Equal(T0.AddSeconds(0.5).AddHours(24), Assert.IsType<SkipProvider>(second[0]).Until);
        Assert.Single(secondState.History.OfType<AttemptRecord>());
    }
}
