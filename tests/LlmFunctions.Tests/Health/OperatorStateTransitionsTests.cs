using LlmFunctions.Classification;
using LlmFunctions.Health;

namespace LlmFunctions.Tests.Health;

/// <summary>Operator state wins: a disable holds until its end, an enable or a reset; a late success never lifts a live
/// disable or rate-limit cooldown, though it still closes the circuit.</summary>
public sealed class OperatorStateTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProviderKey Key = new("Groq", "llama-3.1-8b-instant");
    private static readonly HealthOptions Options = new();
    private static readonly DateTimeOffset OperatorUntil = Now.AddDays(30);
    private const string OperatorReason = "disabled by an operator: billing review";

    /// <summary>Named starting states, each seen before (one success and one failure counted).</summary>
    private static ProviderHealth State(string name)
    {
        var health = ProviderHealth.New(Key) with { SuccessCount = 1, FailureCount = 1 };
        return name switch
        {
            "OperatorDisabled" => health with { DisabledUntil = OperatorUntil, DisabledReason = OperatorReason },
            "OperatorDisabledOpen" => health with
            {
                DisabledUntil = OperatorUntil, DisabledReason = OperatorReason,
                Circuit = CircuitState.Open, OpenUntil = Now.AddSeconds(30), TripCount = 1, ConsecutiveFailures = 5,
            },
            "OperatorDisabledHalfOpen" => health with
            {
                DisabledUntil = OperatorUntil, DisabledReason = OperatorReason,
                Circuit = CircuitState.HalfOpen, TripCount = 1, ConsecutiveFailures = 5, ProbeOwner = "host-a", ProbeLeaseUntil = Now.AddMinutes(1),
            },
            "DisableEnded" => health with { DisabledUntil = Now.AddSeconds(-1), DisabledReason = OperatorReason },
            "CoolingDown" => health with { CooldownUntil = Now.AddMinutes(10), CooldownReason = "429 from provider" },
            "CoolingDownOpen" => health with
            {
                CooldownUntil = Now.AddMinutes(10), CooldownReason = "429 from provider",
                Circuit = CircuitState.Open, OpenUntil = Now.AddSeconds(30), TripCount = 1, ConsecutiveFailures = 5,
            },
            "CooldownEnded" => health with { CooldownUntil = Now.AddSeconds(-1), CooldownReason = "429 from provider" },
            "AutoDisabledShort" => health with { DisabledUntil = Now.AddMinutes(5), DisabledReason = "401 from provider" },
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    private static AttemptOutcome Outcome(ErrorClass errorClass) => new()
    {
        Class = errorClass,
        HttpStatus = errorClass switch
        {
            ErrorClass.Success => 200,
            ErrorClass.AuthFailed => 401,
            ErrorClass.RateLimited => 429,
            _ => 503,
        },
        Reason = $"{errorClass} from provider",
    };

    // state, event -> disabled-until (null: none), disable reason, cooldown kept, circuit, availability now
    public static TheoryData<string, string, string?, string?, bool, CircuitState, AvailabilityKind> Table => new()
    {
        { "OperatorDisabled", "Success", "operator", OperatorReason, false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "OperatorDisabledOpen", "Success", "operator", OperatorReason, false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "OperatorDisabledHalfOpen", "Success", "operator", OperatorReason, false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "OperatorDisabled", "AuthFailed", "operator", OperatorReason, false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "OperatorDisabled", "RateLimited", "operator", OperatorReason, true, CircuitState.Closed, AvailabilityKind.Disabled },
        { "OperatorDisabled", "Transient", "operator", OperatorReason, false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "OperatorDisabled", "ResetExpired", "operator", OperatorReason, false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "OperatorDisabled", "Enable", null, null, false, CircuitState.Closed, AvailabilityKind.Available },
        { "OperatorDisabled", "Reset", null, null, false, CircuitState.Closed, AvailabilityKind.Available },
        { "DisableEnded", "Success", null, null, false, CircuitState.Closed, AvailabilityKind.Available },
        { "DisableEnded", "ResetExpired", null, null, false, CircuitState.HalfOpen, AvailabilityKind.ProbeAvailable },
        { "CoolingDown", "Success", null, null, true, CircuitState.Closed, AvailabilityKind.CoolingDown },
        { "CoolingDownOpen", "Success", null, null, true, CircuitState.Closed, AvailabilityKind.CoolingDown },
        { "CoolingDown", "Enable", null, null, true, CircuitState.Closed, AvailabilityKind.CoolingDown },
        { "CoolingDown", "Reset", null, null, false, CircuitState.Closed, AvailabilityKind.Available },
        { "CoolingDown", "Disable", "operator", OperatorReason, true, CircuitState.Closed, AvailabilityKind.Disabled },
        { "CooldownEnded", "Success", null, null, false, CircuitState.Closed, AvailabilityKind.Available },
        { "AutoDisabledShort", "Success", "short", "401 from provider", false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "AutoDisabledShort", "AuthFailed", "24h", "AuthFailed from provider", false, CircuitState.Closed, AvailabilityKind.Disabled },
        { "AutoDisabledShort", "Disable", "operator", OperatorReason, false, CircuitState.Closed, AvailabilityKind.Disabled },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Transition_FromGatedState_OperatorAndProviderGatesOutrankLateResults(
        string state,
        string happening,
        string? disabledUntil,
        string? disabledReason,
        bool cooldownKept,
        CircuitState circuit,
        AvailabilityKind availability)
    {
        var before = State(state);

        var after = happening switch
        {
            "Enable" => HealthTransitions.Enable(before, Now).Current,
            "Reset" => HealthTransitions.Reset(before, Now).Current,
            "Disable" => HealthTransitions.Disable(before, OperatorUntil, OperatorReason, Now).Current,
            "ResetExpired" => HealthTransitions.ResetExpired(before, Now)?.Current ?? before,
            _ => HealthTransitions.Apply(before, Outcome(Enum.Parse<ErrorClass>(happening)), Now, Options).Current,
        };

        DateTimeOffset? expectedUntil = disabledUntil switch
        {
            null => null,
            "operator" => OperatorUntil,
            "short" => before.DisabledUntil,
            "24h" => Now + Options.PermanentFailureCooldown,
            _ => throw new ArgumentOutOfRangeException(nameof(disabledUntil), disabledUntil, null),
        };
        Assert.Equal(expectedUntil, after.DisabledUntil);
        Assert.Equal(disabledReason, after.DisabledReason);
        Assert.Equal(cooldownKept ? before.CooldownUntil ?? Now + Options.RateLimitCooldown : null, after.CooldownUntil);
        Assert.Equal(circuit, after.Circuit);
        Assert.Equal(availability, after.AvailabilityAt(Now).Kind);
    }

    [Fact]
    public void Apply_LateSuccessDuringOperatorDisable_StillClosesTheCircuitAndCountsTheSuccess()
    {
        var before = State("OperatorDisabledHalfOpen");

        var change = HealthTransitions.Apply(before, Outcome(ErrorClass.Success), Now, Options);

        Assert.Equal(HealthTransition.CircuitClosed, change.Transition);
        Assert.Equal(CircuitState.Closed, change.Current.Circuit);

        // Its trips are remembered from now until it has stayed closed for as long as its last break (docs/failover.md).
        Assert.Equal((1, Now), (change.Current.TripCount, change.Current.ClosedAt));
        Assert.Equal(2, change.Current.SuccessCount);
        Assert.Null(change.Current.ProbeOwner);
        Assert.Equal(AvailabilityKind.Disabled, change.Current.AvailabilityAt(Now).Kind);

        // Its end lifts it: the cooldown sweep opens the way to one probe.
        var ended = HealthTransitions.ResetExpired(change.Current, OperatorUntil)!.Current;
        Assert.Null(ended.DisabledUntil);
        Assert.Equal(AvailabilityKind.ProbeAvailable, ended.AvailabilityAt(OperatorUntil).Kind);
    }

    [Fact]
    public void Apply_AuthFailureDuringLongerDisable_KeepsTheDisableAndReportsNoNewDisable()
    {
        var change = HealthTransitions.Apply(State("OperatorDisabled"), Outcome(ErrorClass.AuthFailed), Now, Options);

        Assert.Equal(HealthTransition.None, change.Transition);
        Assert.Equal(OperatorUntil, change.Current.DisabledUntil);
        Assert.Equal(2, change.Current.FailureCount);
    }
}
