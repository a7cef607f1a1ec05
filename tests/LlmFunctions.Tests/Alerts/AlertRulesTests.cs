using LlmFunctions.Alerts;
using LlmFunctions.Classification;
using LlmFunctions.Health;

namespace LlmFunctions.Tests.Alerts;

public sealed class AlertRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 25, 9, 0, 0, TimeSpan.Zero);
    private static readonly ProviderKey Key = new("Groq", "llama");
    private static readonly AlertOptions Options = new();

    [Theory]
    [InlineData(401, ErrorClass.AuthFailed)]
    [InlineData(402, ErrorClass.QuotaExhausted)]
    [InlineData(403, ErrorClass.AuthFailed)]
    [InlineData(404, ErrorClass.NotFound)]
    public void PermanentError_DisablesProvider_CriticalAtOnceQuietUntilTheDisableEnds(int status, ErrorClass errorClass)
    {
        var change = HealthTransitions.Apply(ProviderHealth.New(Key), Outcome(errorClass, status), Now, new HealthOptions());

        var disabled = Assert.Single(AlertRules.Evaluate(change, everyProviderUnavailable: false, Options), c => c.Rule == AlertRules.ProviderDisabled);

        Assert.Equal(AlertSeverity.Critical, disabled.Severity);
        Assert.Equal(1, disabled.Threshold);
        Assert.Equal("Groq/llama", disabled.Subject);
        Assert.Equal(change.Current.DisabledUntil, disabled.QuietUntil);
    }

    [Fact]
    public void Failure_CountsTowardsItsClassAndItsModel_WithTheConfiguredThresholds()
    {
        var options = new AlertOptions { ClassThreshold = 7, ClassWindow = TimeSpan.FromMinutes(3), ModelThreshold = 2, ModelWindow = TimeSpan.FromMinutes(4) };
        var change = HealthTransitions.Apply(ProviderHealth.New(Key), Outcome(ErrorClass.Transient, 503), Now, new HealthOptions());

        var candidates = AlertRules.Evaluate(change, everyProviderUnavailable: false, options);

        var byClass = Assert.Single(candidates, c => c.Rule == AlertRules.ErrorClassRule);
        Assert.Equal(("Transient", 7, TimeSpan.FromMinutes(3), Now.AddMinutes(3)), (byClass.Subject, byClass.Threshold, byClass.Window, byClass.QuietUntil));
        var byModel = Assert.Single(candidates, c => c.Rule == AlertRules.ModelErrors);
        Assert.Equal(("Groq/llama", 2, TimeSpan.FromMinutes(4)), (byModel.Subject, byModel.Threshold, byModel.Window));
        Assert.DoesNotContain(candidates, c => c.Rule == AlertRules.ProviderDisabled);
    }

    [Fact]
    public void OperatorDisable_IsNoError_RaisesNoDisableOrErrorAlert()
    {
        var change = HealthTransitions.Disable(ProviderHealth.New(Key), Now.AddHours(1), "disabled by an operator", Now);

        Assert.Empty(AlertRules.Evaluate(change, everyProviderUnavailable: false, Options));
    }

    [Fact]
    public void LastCallableProviderFails_EveryProviderUnavailable_CriticalAtOnce()
    {
        var change = HealthTransitions.Apply(ProviderHealth.New(Key), Outcome(ErrorClass.AuthFailed, 401), Now, new HealthOptions());

        var all = Assert.Single(AlertRules.Evaluate(change, everyProviderUnavailable: true, Options), c => c.Rule == AlertRules.AllUnavailable);

        Assert.Equal((AlertSeverity.Critical, 1, Now + Options.AllUnavailableRepeat), (all.Severity, all.Threshold, all.QuietUntil));
    }

    private static AttemptOutcome Outcome(ErrorClass errorClass, int status) => new() { Class = errorClass, HttpStatus = status, Reason = $"HTTP {status}" };
}
