using LlmFunctions.Classification;
using LlmFunctions.Health;

namespace LlmFunctions.Tests.Health;

public sealed class HealthTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ProviderKey Key = new("Groq", "llama-3.1-8b-instant");
    private static readonly HealthOptions Options = new();

    private static readonly int[] ExpectedBreakSeconds = [15, 15, 30, 60, 120, 240, 480];

    private const long BaseFailures = 10;
    private const long BaseSuccesses = 3;

    /// <summary>Named starting states; counters start at 10 failures and 3 successes.</summary>
    private static ProviderHealth State(string name)
    {
        var health = ProviderHealth.New(Key) with { FailureCount = BaseFailures, SuccessCount = BaseSuccesses };
        return name switch
        {
            "Closed" => health with { ConsecutiveFailures = 2 },
            "Brink" => health with { ConsecutiveFailures = 4 },
            "Open" => health with { Circuit = CircuitState.Open, OpenUntil = Now.AddSeconds(60), TripCount = 1, ConsecutiveFailures = 5 },
            "HalfOpen" => health with
            {
                Circuit = CircuitState.HalfOpen, TripCount = 1, ConsecutiveFailures = 5,
                ProbeOwner = "host-a", ProbeLeaseUntil = Now.AddMinutes(2),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    private static AttemptOutcome Outcome(ErrorClass errorClass) => new()
    {
        Class = errorClass,
        HttpStatus = errorClass switch
        {
            ErrorClass.Success => 200,
            ErrorClass.RateLimited => 429,
            ErrorClass.Transient => 503,
            ErrorClass.MalformedResponse => 200,
            ErrorClass.AuthFailed => 403,
            ErrorClass.QuotaExhausted => 402,
            ErrorClass.NotFound => 404,
            ErrorClass.RequestRejected => 422,
            ErrorClass.Unexpected => 418,
            _ => null,
        },
        Reason = $"reason for {errorClass}",
    };

    // state, outcome -> circuit, consecutive failures, failures added, successes added, transition, availability now
    public static TheoryData<string, ErrorClass, CircuitState, int, int, int, HealthTransition, AvailabilityKind> Table => new()
    {
        { "Closed", ErrorClass.Success, CircuitState.Closed, 0, 0, 1, HealthTransition.None, AvailabilityKind.Available },
        { "Closed", ErrorClass.Transient, CircuitState.Closed, 3, 1, 0, HealthTransition.None, AvailabilityKind.Available },
        { "Closed", ErrorClass.MalformedResponse, CircuitState.Closed, 3, 1, 0, HealthTransition.None, AvailabilityKind.Available },
        { "Closed", ErrorClass.Unexpected, CircuitState.Closed, 3, 1, 0, HealthTransition.None, AvailabilityKind.Available },
        { "Closed", ErrorClass.RateLimited, CircuitState.Closed, 2, 1, 0, HealthTransition.CooldownStarted, AvailabilityKind.CoolingDown },
        { "Closed", ErrorClass.AuthFailed, CircuitState.Closed, 2, 1, 0, HealthTransition.Disabled, AvailabilityKind.Disabled },
        { "Closed", ErrorClass.QuotaExhausted, CircuitState.Closed, 2, 1, 0, HealthTransition.Disabled, AvailabilityKind.Disabled },
        { "Closed", ErrorClass.NotFound, CircuitState.Closed, 2, 1, 0, HealthTransition.Disabled, AvailabilityKind.Disabled },
        { "Closed", ErrorClass.RequestRejected, CircuitState.Closed, 2, 0, 0, HealthTransition.None, AvailabilityKind.Available },
        { "Closed", ErrorClass.Cancelled, CircuitState.Closed, 2, 0, 0, HealthTransition.None, AvailabilityKind.Available },

        { "Brink", ErrorClass.Success, CircuitState.Closed, 0, 0, 1, HealthTransition.None, AvailabilityKind.Available },
        { "Brink", ErrorClass.Transient, CircuitState.Open, 5, 1, 0, HealthTransition.CircuitOpened, AvailabilityKind.CircuitOpen },
        { "Brink", ErrorClass.MalformedResponse, CircuitState.Open, 5, 1, 0, HealthTransition.CircuitOpened, AvailabilityKind.CircuitOpen },
        { "Brink", ErrorClass.Unexpected, CircuitState.Open, 5, 1, 0, HealthTransition.CircuitOpened, AvailabilityKind.CircuitOpen },
        { "Brink", ErrorClass.RateLimited, CircuitState.Closed, 4, 1, 0, HealthTransition.CooldownStarted, AvailabilityKind.CoolingDown },
        { "Brink", ErrorClass.AuthFailed, CircuitState.Closed, 4, 1, 0, HealthTransition.Disabled, AvailabilityKind.Disabled },
        { "Brink", ErrorClass.RequestRejected, CircuitState.Closed, 4, 0, 0, HealthTransition.None, AvailabilityKind.Available },
        { "Brink", ErrorClass.Cancelled, CircuitState.Closed, 4, 0, 0, HealthTransition.None, AvailabilityKind.Available },

        { "Open", ErrorClass.Success, CircuitState.Closed, 0, 0, 1, HealthTransition.CircuitClosed, AvailabilityKind.Available },
        { "Open", ErrorClass.Transient, CircuitState.Open, 6, 1, 0, HealthTransition.None, AvailabilityKind.CircuitOpen },
        { "Open", ErrorClass.MalformedResponse, CircuitState.Open, 6, 1, 0, HealthTransition.None, AvailabilityKind.CircuitOpen },
        { "Open", ErrorClass.Unexpected, CircuitState.Open, 6, 1, 0, HealthTransition.None, AvailabilityKind.CircuitOpen },
        { "Open", ErrorClass.RateLimited, CircuitState.Open, 5, 1, 0, HealthTransition.CooldownStarted, AvailabilityKind.CoolingDown },
        { "Open", ErrorClass.QuotaExhausted, CircuitState.Open, 5, 1, 0, HealthTransition.Disabled, AvailabilityKind.Disabled },
        { "Open", ErrorClass.RequestRejected, CircuitState.Open, 5, 0, 0, HealthTransition.None, AvailabilityKind.CircuitOpen },
        { "Open", ErrorClass.Cancelled, CircuitState.Open, 5, 0, 0, HealthTransition.None, AvailabilityKind.CircuitOpen },

        { "HalfOpen", ErrorClass.Success, CircuitState.Closed, 0, 0, 1, HealthTransition.CircuitClosed, AvailabilityKind.Available },
        { "HalfOpen", ErrorClass.Transient, CircuitState.Open, 6, 1, 0, HealthTransition.CircuitReopened, AvailabilityKind.CircuitOpen },
        { "HalfOpen", ErrorClass.MalformedResponse, CircuitState.Open, 6, 1, 0, HealthTransition.CircuitReopened, AvailabilityKind.CircuitOpen },
        { "HalfOpen", ErrorClass.Unexpected, CircuitState.Open, 6, 1, 0, HealthTransition.CircuitReopened, AvailabilityKind.CircuitOpen },
        { "HalfOpen", ErrorClass.RateLimited, CircuitState.HalfOpen, 5, 1, 0, HealthTransition.CooldownStarted, AvailabilityKind.CoolingDown },
        { "HalfOpen", ErrorClass.NotFound, CircuitState.HalfOpen, 5, 1, 0, HealthTransition.Disabled, AvailabilityKind.Disabled },
        { "HalfOpen", ErrorClass.RequestRejected, CircuitState.HalfOpen, 5, 0, 0, HealthTransition.None, AvailabilityKind.ProbeAvailable },
        { "HalfOpen", ErrorClass.Cancelled, CircuitState.HalfOpen, 5, 0, 0, HealthTransition.None, AvailabilityKind.ProbeAvailable },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Apply_OutcomeFromState_GivesExpectedStateCountersAndAvailability(
        string state,
        ErrorClass outcome,
        CircuitState circuit,
        int consecutiveFailures,
        int failuresAdded,
        int successesAdded,
        HealthTransition transition,
        AvailabilityKind availability)
    {
        var before = State(state);

        var change = HealthTransitions.Apply(before, Outcome(outcome), Now, Options);

        var after = change.Current;
        Assert.Same(before, change.Previous);
        Assert.Equal(circuit, after.Circuit);
        Assert.Equal(consecutiveFailures, after.ConsecutiveFailures);
        Assert.Equal(BaseFailures + failuresAdded, after.FailureCount);
        Assert.Equal(BaseSuccesses + successesAdded, after.SuccessCount);
        Assert.Equal(transition, change.Transition);
        Assert.Equal(transition == HealthTransition.CircuitOpened, change.IsTrip);
        Assert.Equal(availability, after.AvailabilityAt(Now).Kind);
        Assert.Equal(before.Circuit, change.FromCircuit);
        Assert.Equal(circuit, change.ToCircuit);

        // Every outcome releases the probe lease: a probe's call has ended either way.
        Assert.Null(after.ProbeOwner);
        Assert.Null(after.ProbeLeaseUntil);
    }

    [Theory]
    [InlineData(ErrorClass.Transient)]
    [InlineData(ErrorClass.RateLimited)]
    [InlineData(ErrorClass.AuthFailed)]
    [InlineData(ErrorClass.Unexpected)]
    public void Apply_CountedFailure_RecordsLastStatusClassErrorAndTime(ErrorClass errorClass)
    {
        var change = HealthTransitions.Apply(State("Closed"), Outcome(errorClass), Now, Options);

        Assert.Equal(Outcome(errorClass).HttpStatus, change.Current.LastStatus);
        Assert.Equal(errorClass.ToString(), change.Current.LastErrorClass);
        Assert.Equal($"reason for {errorClass}", change.Current.LastError);
        Assert.Equal(Now, change.Current.UpdatedAt);
    }

    [Fact]
    public void Apply_LongBodyExcerpt_PrefersExcerptTruncatedTo256()
    {
        var outcome = Outcome(ErrorClass.Transient) with { BodyExcerpt = new string('x', 1000) };

        var change = HealthTransitions.Apply(State("Closed"), outcome, Now, Options);

        Assert.Equal(new string('x', 256), change.Current.LastError);
    }

    [Theory]
    [InlineData(ErrorClass.Success)]
    [InlineData(ErrorClass.RateLimited)]
    [InlineData(ErrorClass.Transient)]
    public void Apply_OutcomeWithReportedWindow_KeepsItInHealth(ErrorClass errorClass)
    {
        var quota = new RateLimitQuota(0, Now.AddSeconds(42), LimitRequests: 30);

        var change = HealthTransitions.Apply(State("Closed"), Outcome(errorClass) with { Quota = quota }, Now, Options);

        Assert.Equal(quota, change.Current.Quota);
    }

    [Fact]
    public void Apply_SteadySuccessReportingAWindow_StillChangesOnlyCountersAndTheFlushKeepsTheWindow()
    {
        var quota = new RateLimitQuota(12, Now.AddSeconds(30), LimitRequests: 30);
        var before = State("Closed") with { ConsecutiveFailures = 0 };

        var change = HealthTransitions.Apply(before, Outcome(ErrorClass.Success) with { Quota = quota }, Now, Options);
        var flushed = HealthTransitions.AddSuccesses(before, 1, 200, Now, quota);

        Assert.True(HealthTransitions.ChangesOnlyCounters(change));
        Assert.Equal(quota, flushed.Current.Quota);
    }

    [Fact]
    public void Apply_CancelledWithoutLease_ChangesNothing()
    {
        var before = State("Closed");

        var change = HealthTransitions.Apply(before, Outcome(ErrorClass.Cancelled), Now, Options);

        Assert.False(change.HasChanges);
        Assert.Equal(before, change.Current);
    }

    [Fact]
    public void Apply_TripAtThreshold_OpensForBreakDurationAndCountsTheTrip()
    {
        var change = HealthTransitions.Apply(State("Brink"), Outcome(ErrorClass.Transient), Now, Options);

        Assert.Equal(Now.AddSeconds(15), change.Current.OpenUntil);
        Assert.Equal(1, change.Current.TripCount);
        Assert.Equal(new ProviderAvailability(AvailabilityKind.CircuitOpen, Now.AddSeconds(15), "circuit open after 5 consecutive failures"), change.ToAvailability);
        Assert.Equal(AvailabilityKind.Available, change.FromAvailability.Kind);
    }

    [Fact]
    public void Apply_SuccessAfterGates_ClearsEveryGateAndRemembersTripsFromNow()
    {
        var before = State("HalfOpen") with
        {
            TripCount = 3,
            CooldownUntil = Now.AddMinutes(-1),
            CooldownReason = "429",
            DisabledUntil = Now.AddMinutes(-1),
            DisabledReason = "403",
            OpenUntil = Now.AddMinutes(-2),
        };

        var after = HealthTransitions.Apply(before, Outcome(ErrorClass.Success), Now, Options).Current;

        Assert.Equal(
            before with
            {
                Circuit = CircuitState.Closed, TripCount = 3, ClosedAt = Now, ConsecutiveFailures = 0, OpenUntil = null,
                CooldownUntil = null, CooldownReason = null, DisabledUntil = null, DisabledReason = null,
                ProbeOwner = null, ProbeLeaseUntil = null, SuccessCount = BaseSuccesses + 1, LastStatus = 200, UpdatedAt = Now,
            },
            after);
        Assert.False(after.NeedsProbe);
    }

    [Theory]
    [InlineData(0, 15)]
    [InlineData(1, 15)]
    [InlineData(2, 30)]
    [InlineData(3, 60)]
    [InlineData(7, 960)]
    [InlineData(8, 1800)]
    [InlineData(1000, 1800)]
    public void BreakFor_PreviousTrips_ShortForTheFirstTwoThenDoublesUpToCap(int previousTrips, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Options.BreakFor(previousTrips));
    }

    [Fact]
    public void Apply_FailedProbesInARow_GrowBreakAfterTwoShortOnesThenSustainedSuccessResets()
    {
        var health = Tripped(ProviderHealth.New(Key), Now);
        var now = Now;
        var breaks = new List<TimeSpan> { health.OpenUntil!.Value - now };
        for (var round = 0; round < 6; round++)
        {
            now = health.OpenUntil!.Value;
            Assert.True(HealthTransitions.TryAcquireProbe(health, "probe", now, Options, out var probe));
            var failed = HealthTransitions.Apply(probe.Current, Outcome(ErrorClass.Transient), now, Options);
            Assert.Equal(HealthTransition.CircuitReopened, failed.Transition);
            health = failed.Current;
            breaks.Add(health.OpenUntil!.Value - now);
        }

        Assert.Equal(ExpectedBreakSeconds.Select(s => TimeSpan.FromSeconds(s)), breaks);

        now = health.OpenUntil!.Value;
        Assert.True(HealthTransitions.TryAcquireProbe(health, "probe", now, Options, out var last));
        health = HealthTransitions.Apply(last.Current, Outcome(ErrorClass.Success), now, Options).Current;

        // Closed for as long as its last break (480 s): the trips are forgiven, the next break is short again.
        now = now.AddSeconds(480);
        health = Tripped(health, now);

        Assert.Equal(now.AddSeconds(15), health.OpenUntil);
        Assert.Equal(1, health.TripCount);
    }

    [Fact]
    public void Apply_TripSoonAfterClosing_GrowsTheBreakInsteadOfStartingShort()
    {
        var health = Tripped(ProviderHealth.New(Key), Now);
        var now = health.OpenUntil!.Value;
        Assert.True(HealthTransitions.TryAcquireProbe(health, "probe", now, Options, out var probe));
        health = HealthTransitions.Apply(probe.Current, Outcome(ErrorClass.Transient), now, Options).Current;
        now = health.OpenUntil!.Value;
        Assert.True(HealthTransitions.TryAcquireProbe(health, "probe", now, Options, out probe));
        health = HealthTransitions.Apply(probe.Current, Outcome(ErrorClass.Success), now, Options).Current;

        // Closed for 5 s, less than its last 15 s break: the third trip in a row doubles.
        now = now.AddSeconds(5);
        health = Tripped(health, now);

        Assert.Equal(now.AddSeconds(30), health.OpenUntil);
        Assert.Equal(3, health.TripCount);
    }

    [Fact]
    public void Apply_SeedBreakSettings_OpenForSixtySecondsAndDoubleOnEveryReopen()
    {
        var seed = new HealthOptions { BreakDuration = TimeSpan.FromSeconds(60), ShortBreaks = 1 };
        var health = Tripped(ProviderHealth.New(Key), Now, seed);
        var now = health.OpenUntil!.Value;
        Assert.True(HealthTransitions.TryAcquireProbe(health, "probe", now, seed, out var probe));
        var reopened = HealthTransitions.Apply(probe.Current, Outcome(ErrorClass.Transient), now, seed).Current;

        Assert.Equal(Now.AddSeconds(60), health.OpenUntil);
        Assert.Equal(now.AddSeconds(120), reopened.OpenUntil);
    }

    [Fact]
    public void Apply_RateLimitWithoutRetryAfter_CoolsDownForTheShortStartNotAnHour()
    {
        var change = HealthTransitions.Apply(State("Closed"), Outcome(ErrorClass.RateLimited), Now, Options);

        Assert.Equal(Now.AddSeconds(30), change.Current.CooldownUntil);
        Assert.Equal(1, change.Current.RateLimitStreak);
        Assert.Equal("reason for RateLimited", change.Current.CooldownReason);
    }

    [Fact]
    public void Apply_RateLimitsWithoutRetryAfterAfterEachCooldown_DoubleUpToTheCapAndSuccessResets()
    {
        var options = new HealthOptions { MaxRateLimitCooldown = TimeSpan.FromMinutes(3) };
        var health = State("Closed");
        var now = Now;
        var cooldowns = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            health = HealthTransitions.Apply(health, Outcome(ErrorClass.RateLimited), now, options).Current;
            cooldowns.Add(health.CooldownUntil!.Value - now);
            now = health.CooldownUntil!.Value;
        }

        health = HealthTransitions.Apply(health, Outcome(ErrorClass.Success), now, options).Current;
        var afterSuccess = HealthTransitions.Apply(health, Outcome(ErrorClass.RateLimited), now, options).Current;

        Assert.Equal([30, 60, 120, 180, 180], cooldowns.Select(c => (int)c.TotalSeconds));
        Assert.Equal(now.AddSeconds(30), afterSuccess.CooldownUntil);
    }

    [Fact]
    public void Apply_RateLimitsWhileTheCooldownIsLive_AreStragglersAndDoNotGrowIt()
    {
        var health = State("Closed");
        for (var i = 0; i < 32; i++)
        {
            health = HealthTransitions.Apply(health, Outcome(ErrorClass.RateLimited), Now.AddMilliseconds(i), Options).Current;
        }

        Assert.Equal(1, health.RateLimitStreak);
        Assert.Equal(Now.AddMilliseconds(31).AddSeconds(30), health.CooldownUntil);
    }

    [Fact]
    public void Apply_SeedRateLimitSettings_CoolDownForAnHour()
    {
        var seed = new HealthOptions { RateLimitCooldown = TimeSpan.FromHours(1) };

        var change = HealthTransitions.Apply(State("Closed"), Outcome(ErrorClass.RateLimited), Now, seed);

        Assert.Equal(Now.AddHours(1), change.Current.CooldownUntil);
    }

    [Fact]
    public void Apply_FailedCallsWithDurations_AddThemToFailedCallTimeAndSuccessesDoNot()
    {
        var health = State("Closed");
        health = HealthTransitions.Apply(health, Outcome(ErrorClass.Transient) with { Duration = TimeSpan.FromSeconds(30) }, Now, Options).Current;
        health = HealthTransitions.Apply(health, Outcome(ErrorClass.NotFound) with { Duration = TimeSpan.FromMilliseconds(450) }, Now, Options).Current;
        health = HealthTransitions.Apply(health, Outcome(ErrorClass.Success) with { Duration = TimeSpan.FromSeconds(2) }, Now, Options).Current;

        Assert.Equal(30_450, health.FailedCallMs);
    }

    private static ProviderHealth Tripped(ProviderHealth health, DateTimeOffset now, HealthOptions? options = null)
    {
        for (var i = 0; i < 5; i++)
        {
            health = HealthTransitions.Apply(health, Outcome(ErrorClass.Transient), now, options ?? Options).Current;
        }

        Assert.Equal(CircuitState.Open, health.Circuit);
        return health;
    }

    [Fact]
    public void Apply_RateLimitWithRetryAt_UsesRetryAtButNeverShortensACooldown()
    {
        var first = HealthTransitions.Apply(State("Closed"), Outcome(ErrorClass.RateLimited) with { RetryAt = Now.AddSeconds(30) }, Now, Options);
        var longer = HealthTransitions.Apply(first.Current, Outcome(ErrorClass.RateLimited) with { RetryAt = Now.AddMinutes(5) }, Now, Options);
        var shorter = HealthTransitions.Apply(longer.Current, Outcome(ErrorClass.RateLimited) with { RetryAt = Now.AddSeconds(10) }, Now, Options);

        Assert.Equal(Now.AddSeconds(30), first.Current.CooldownUntil);
        Assert.Equal(Now.AddMinutes(5), longer.Current.CooldownUntil);
        Assert.Equal(Now.AddMinutes(5), shorter.Current.CooldownUntil);
        Assert.Equal(HealthTransition.None, shorter.Transition);
    }

    [Fact]
    public void Apply_PaymentRequired_DisablesFor24HoursWithReason()
    {
        var outcome = new AttemptOutcome { Class = ErrorClass.QuotaExhausted, HttpStatus = 402, Reason = "HTTP 402 Payment Required" };

        var after = HealthTransitions.Apply(State("Closed"), outcome, Now, Options).Current;

        Assert.Equal(Now.AddHours(24), after.DisabledUntil);
        Assert.Equal("HTTP 402 Payment Required", after.DisabledReason);
        Assert.Equal(new ProviderAvailability(AvailabilityKind.Disabled, Now.AddHours(24), "HTTP 402 Payment Required"), after.AvailabilityAt(Now));
    }

    [Fact]
    public void AvailabilityAt_AcrossGates_DisabledBeatsCooldownBeatsOpenThenProbe()
    {
        var health = ProviderHealth.New(Key) with
        {
            Circuit = CircuitState.Open,
            OpenUntil = Now.AddMinutes(1),
            CooldownUntil = Now.AddMinutes(2),
            DisabledUntil = Now.AddMinutes(3),
        };

        Assert.Equal(AvailabilityKind.Disabled, health.AvailabilityAt(Now).Kind);
        Assert.Equal(AvailabilityKind.CoolingDown, (health with { DisabledUntil = null }).AvailabilityAt(Now).Kind);
        Assert.Equal(AvailabilityKind.CircuitOpen, (health with { DisabledUntil = null, CooldownUntil = null }).AvailabilityAt(Now).Kind);
        Assert.Equal(AvailabilityKind.ProbeAvailable, health.AvailabilityAt(Now.AddMinutes(3)).Kind);
        Assert.Equal(AvailabilityKind.Available, (ProviderHealth.New(Key) with { SuccessCount = 1, UpdatedAt = Now.AddMinutes(-1) }).AvailabilityAt(Now).Kind);
    }

    [Fact]
    public void AvailabilityAt_NeverSeenProvider_IsASingleProbeLikeHalfOpen()
    {
        var unknown = ProviderHealth.New(Key);

        Assert.True(unknown.IsUnknown);
        Assert.Equal(AvailabilityKind.ProbeAvailable, unknown.AvailabilityAt(Now).Kind);
        Assert.True(HealthTransitions.TryAcquireProbe(unknown, "host-a", Now, Options, out var acquired));
        Assert.True(acquired.Current.IsUnknown);
        Assert.Equal(CircuitState.Closed, acquired.Current.Circuit);
        Assert.Equal(AvailabilityKind.ProbeInFlight, acquired.Current.AvailabilityAt(Now).Kind);
        Assert.False(HealthTransitions.TryAcquireProbe(acquired.Current, "host-b", Now, Options, out _));

        var succeeded = HealthTransitions.Apply(acquired.Current, new AttemptOutcome { Class = ErrorClass.Success, HttpStatus = 200, Reason = "OK" }, Now, Options);
        Assert.Equal(HealthTransition.CircuitClosed, succeeded.Transition);
        Assert.Equal(AvailabilityKind.Available, succeeded.Current.AvailabilityAt(Now).Kind);
    }

    [Fact]
    public void Apply_UnknownProvidersFirstCallFailsTransiently_CountsOneFailureAndKeepsTheCircuitClosed()
    {
        Assert.True(HealthTransitions.TryAcquireProbe(ProviderHealth.New(Key), "host-a", Now, Options, out var acquired));

        var failed = HealthTransitions.Apply(acquired.Current, new AttemptOutcome { Class = ErrorClass.Transient, HttpStatus = 503, Reason = "HTTP 503" }, Now, Options);

        Assert.Equal(HealthTransition.None, failed.Transition);
        Assert.Equal((CircuitState.Closed, 1, (string?)null), (failed.Current.Circuit, failed.Current.ConsecutiveFailures, failed.Current.ProbeOwner));
        Assert.Equal(AvailabilityKind.Available, failed.Current.AvailabilityAt(Now).Kind);
    }

    [Fact]
    public void Apply_UnknownProvidersFirstCallCancelled_StaysUnknownAndFreesTheProbe()
    {
        Assert.True(HealthTransitions.TryAcquireProbe(ProviderHealth.New(Key), "host-a", Now, Options, out var acquired));

        var cancelled = HealthTransitions.Apply(acquired.Current, new AttemptOutcome { Class = ErrorClass.Cancelled, Reason = "cancelled" }, Now, Options);

        Assert.True(cancelled.Current.IsUnknown);
        Assert.Equal(AvailabilityKind.ProbeAvailable, cancelled.Current.AvailabilityAt(Now).Kind);
    }

    [Fact]
    public void ChangesOnlyCounters_SuccessOnSteadyProvider_IsTrueAndFalseWhenStateChanges()
    {
        var steady = ProviderHealth.New(Key) with { SuccessCount = 3, LastStatus = 200, UpdatedAt = Now.AddMinutes(-1) };
        var success = new AttemptOutcome { Class = ErrorClass.Success, HttpStatus = 200, Reason = "OK" };

        Assert.True(HealthTransitions.ChangesOnlyCounters(HealthTransitions.Apply(steady, success, Now, Options)));
        Assert.False(HealthTransitions.ChangesOnlyCounters(HealthTransitions.Apply(steady with { ConsecutiveFailures = 1 }, success, Now, Options)));
        Assert.False(HealthTransitions.ChangesOnlyCounters(HealthTransitions.Apply(ProviderHealth.New(Key), success, Now, Options)));
        Assert.False(HealthTransitions.ChangesOnlyCounters(HealthTransitions.Apply(steady with { Circuit = CircuitState.HalfOpen }, success, Now, Options)));
    }

    [Fact]
    public void AddSuccesses_RowChangedByAFailureMeanwhile_AddsCountsAndKeepsTheFailureState()
    {
        var failing = ProviderHealth.New(Key) with { SuccessCount = 3, ConsecutiveFailures = 2, LastStatus = 503, UpdatedAt = Now };

        var change = HealthTransitions.AddSuccesses(failing, 5, 200, Now.AddSeconds(-1));

        Assert.Equal(failing with { SuccessCount = 8 }, change.Current);
    }

    [Fact]
    public void TryAcquireProbe_AfterBreak_GrantsOneLeaseThenRefusesUntilItExpires()
    {
        var open = State("Open");

        Assert.False(HealthTransitions.TryAcquireProbe(open, "early", Now, Options, out _));
        var breakEnd = open.OpenUntil!.Value;
        Assert.True(HealthTransitions.TryAcquireProbe(open, "host-a", breakEnd, Options, out var granted));
        Assert.Equal(HealthTransition.ProbeAcquired, granted.Transition);
        Assert.Equal(CircuitState.HalfOpen, granted.Current.Circuit);
        Assert.Equal("host-a", granted.Current.ProbeOwner);
        Assert.Equal(breakEnd.AddMinutes(2), granted.Current.ProbeLeaseUntil);
        Assert.Equal(AvailabilityKind.ProbeInFlight, granted.Current.AvailabilityAt(breakEnd).Kind);

        Assert.False(HealthTransitions.TryAcquireProbe(granted.Current, "host-b", breakEnd.AddMinutes(1), Options, out _));
        Assert.True(HealthTransitions.TryAcquireProbe(granted.Current, "host-b", breakEnd.AddMinutes(2), Options, out var stolen));
        Assert.Equal("host-b", stolen.Current.ProbeOwner);
    }

    [Theory]
    [InlineData(35, 35)]
    [InlineData(600, 120)]
    public void TryAcquireProbe_WithCallLease_LeaseIsTheShorterOfTheCallAndTheSetting(int callSeconds, int expectedSeconds)
    {
        var open = State("Open");
        var breakEnd = open.OpenUntil!.Value;

        Assert.True(HealthTransitions.TryAcquireProbe(open, "host-a", breakEnd, Options, out var granted, TimeSpan.FromSeconds(callSeconds)));

        Assert.Equal(breakEnd.AddSeconds(expectedSeconds), granted.Current.ProbeLeaseUntil);
        Assert.Equal(AvailabilityKind.ProbeAvailable, granted.Current.AvailabilityAt(breakEnd.AddSeconds(expectedSeconds)).Kind);
    }

    [Fact]
    public void TryAcquireProbe_HealthyProvider_IsRefusedBecauseNoProbeIsNeeded()
    {
        Assert.False(HealthTransitions.TryAcquireProbe(State("Closed"), "host-a", Now, Options, out var change));
        Assert.Null(change);
    }

    public static TheoryData<string, ProviderHealth, CircuitState, bool, bool, bool> ExpiryCases => new()
    {
        // name, health, expected circuit, cooldown kept, disable kept, open-until kept
        { "expired cooldown", ProviderHealth.New(Key) with { CooldownUntil = Now.AddSeconds(-1), CooldownReason = "429" }, CircuitState.HalfOpen, false, false, false },
        { "expired break", ProviderHealth.New(Key) with { Circuit = CircuitState.Open, OpenUntil = Now, TripCount = 1 }, CircuitState.HalfOpen, false, false, false },
        { "expired disable", ProviderHealth.New(Key) with { DisabledUntil = Now.AddHours(-1), DisabledReason = "403" }, CircuitState.HalfOpen, false, false, false },
        {
            "expired cooldown, live break",
            ProviderHealth.New(Key) with { Circuit = CircuitState.Open, OpenUntil = Now.AddMinutes(1), CooldownUntil = Now.AddMinutes(-1) },
            CircuitState.Open, false, false, true
        },
        {
            "expired disable, live cooldown",
            ProviderHealth.New(Key) with { DisabledUntil = Now.AddMinutes(-1), CooldownUntil = Now.AddMinutes(1) },
            CircuitState.HalfOpen, true, false, false
        },
    };

    [Theory]
    [MemberData(nameof(ExpiryCases))]
    public void ResetExpired_ExpiredGate_LiftsItAndHalfOpensUnlessABreakIsLive(
        string name, ProviderHealth health, CircuitState circuit, bool cooldownKept, bool disableKept, bool openUntilKept)
    {
        var change = HealthTransitions.ResetExpired(health, Now);

        Assert.NotNull(change);
        Assert.Equal(HealthTransition.HalfOpened, change.Transition);
        Assert.Equal(circuit, change.Current.Circuit);
        Assert.Equal(cooldownKept, change.Current.CooldownUntil is not null);
        Assert.Equal(disableKept, change.Current.DisabledUntil is not null);
        Assert.Equal(openUntilKept, change.Current.OpenUntil is not null);
        Assert.NotEmpty(name);
    }

    [Fact]
    public void ResetExpired_NothingExpired_ReturnsNull()
    {
        var live = ProviderHealth.New(Key) with
        {
            Circuit = CircuitState.Open,
            OpenUntil = Now.AddSeconds(1),
            CooldownUntil = Now.AddSeconds(1),
            DisabledUntil = Now.AddSeconds(1),
        };

        Assert.Null(HealthTransitions.ResetExpired(live, Now));
        Assert.Null(HealthTransitions.ResetExpired(ProviderHealth.New(Key), Now));
        Assert.Null(HealthTransitions.ResetExpired(State("HalfOpen"), Now));
    }

    [Fact]
    public void Reset_OpenDisabledCoolingProvider_ClosesAndClearsGatesButKeepsTotals()
    {
        var before = State("Open") with { DisabledUntil = Now.AddHours(1), CooldownUntil = Now.AddHours(1), ProbeOwner = "x" };

        var change = HealthTransitions.Reset(before, Now);

        Assert.Equal(HealthTransition.Reset, change.Transition);
        Assert.Equal(AvailabilityKind.Available, change.Current.AvailabilityAt(Now).Kind);
        Assert.Equal(0, change.Current.ConsecutiveFailures);
        Assert.Equal(0, change.Current.TripCount);
        Assert.Equal(BaseFailures, change.Current.FailureCount);
        Assert.Equal(BaseSuccesses, change.Current.SuccessCount);
        Assert.Null(change.Current.ProbeOwner);
    }

    [Fact]
    public void DisableThenEnable_OperatorToggle_BlocksThenCloses()
    {
        var disabled = HealthTransitions.Disable(State("Open"), Now.AddDays(2), "operator: key rotated", Now);
        var enabled = HealthTransitions.Enable(disabled.Current, Now);

        Assert.Equal(new ProviderAvailability(AvailabilityKind.Disabled, Now.AddDays(2), "operator: key rotated"), disabled.Current.AvailabilityAt(Now));
        Assert.Equal(HealthTransition.Enabled, enabled.Transition);
        Assert.Equal(CircuitState.Closed, enabled.Current.Circuit);
        Assert.Null(enabled.Current.DisabledUntil);
        Assert.Equal(AvailabilityKind.Available, enabled.Current.AvailabilityAt(Now).Kind);
    }
}
