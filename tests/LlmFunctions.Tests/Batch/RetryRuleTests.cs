using System.Net.Http.Headers;
using LlmFunctions.Cli.Batch;

namespace LlmFunctions.Tests.Batch;

public sealed class RetryRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

    private static GatewayAnswer Failed(int? status, GatewayAnswerKind kind = GatewayAnswerKind.Answered, RetryConditionHeaderValue? retryAfter = null, string errorClass = "x") =>
        new(new ResultRecord { Status = ResultRecord.Failed, HttpStatus = status, ErrorClass = errorClass }, kind, retryAfter);

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    [InlineData(408)]
    public void IsRetryable_BackPressureStatusAnsweredToTheRequest_IsRetried(int status) =>
        Assert.True(RetryRule.IsRetryable(Failed(status)));

    [Theory]
    [InlineData(502)]
    [InlineData(500)]
    [InlineData(504)]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(413)]
    public void IsRetryable_GatewayGaveUpOrCallerError_IsFinal(int status) =>
        Assert.False(RetryRule.IsRetryable(Failed(status)));

    [Fact]
    public void IsRetryable_RequestNeverDelivered_IsRetried() =>
        Assert.True(RetryRule.IsRetryable(Failed(null, GatewayAnswerKind.NotDelivered, errorClass: "transport")));

    [Theory]
    [InlineData("timeout")]
    [InlineData("transport")]
    [InlineData("bad_response")]
    public void IsRetryable_AnswerLostAfterTheRequestWentOut_IsFinal(string errorClass) =>
        Assert.False(RetryRule.IsRetryable(Failed(null, GatewayAnswerKind.Lost, errorClass: errorClass)));

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(null)]
    public void IsRetryable_FollowedDurableInstanceThatFailed_IsFinal(int? status) =>
        Assert.False(RetryRule.IsRetryable(Failed(status, GatewayAnswerKind.Followed, errorClass: "durable_failed")));

    [Fact]
    public void IsRetryable_Success_IsFinal() =>
        Assert.False(RetryRule.IsRetryable(new GatewayAnswer(new ResultRecord { Status = ResultRecord.Succeeded, HttpStatus = 200 }, GatewayAnswerKind.Answered)));

    [Fact]
    public void Delay_RetryAfterSeconds_IsWaitedAsGiven() =>
        Assert.Equal(TimeSpan.FromSeconds(7), RetryRule.Delay(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), 3, Cap, Now));

    [Fact]
    public void Delay_RetryAfterHttpDate_IsTheTimeUntilIt()
    {
        Assert.True(RetryConditionHeaderValue.TryParse("Wed, 25 Feb 2026 10:00:12 GMT", out var header));
        Assert.Equal(TimeSpan.FromSeconds(12), RetryRule.Delay(header, 1, Cap, Now));
    }

    [Fact]
    public void Delay_RetryAfterDateInThePast_IsZero() =>
        Assert.Equal(TimeSpan.Zero, RetryRule.Delay(new RetryConditionHeaderValue(Now.AddSeconds(-5)), 1, Cap, Now));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(100, 60)]
    public void Delay_NoRetryAfter_DoublesFromOneSecondUpToTheCap(int tries, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryRule.Delay(null, tries, Cap, Now));

    [Fact]
    public void Delay_RetryAfterAboveTheCap_IsCapped()
    {
        Assert.Equal(Cap, RetryRule.Delay(new RetryConditionHeaderValue(TimeSpan.FromSeconds(3600)), 1, Cap, Now));
        Assert.Equal(Cap, RetryRule.Delay(new RetryConditionHeaderValue(Now.AddHours(1)), 1, Cap, Now));
    }

    [Fact]
    public void Decide_503WithRetryAfter_RetriesThenAndHoldsEveryItemUntilThen()
    {
        var decision = RetryRule.Decide(Failed(503, retryAfter: new RetryConditionHeaderValue(TimeSpan.FromSeconds(2))), tries: 1, maxRetries: 8, Cap, Now);
        Assert.Equal(new RetryDecision(Now.AddSeconds(2), Now.AddSeconds(2)), decision);
    }

    [Fact]
    public void Decide_429WithRetryAfterOverTheCap_HoldsOnlyUntilTheCap()
    {
        var decision = RetryRule.Decide(Failed(429, retryAfter: new RetryConditionHeaderValue(TimeSpan.FromHours(1))), tries: 1, maxRetries: 8, Cap, Now);
        Assert.Equal(new RetryDecision(Now + Cap, Now + Cap), decision);
    }

    [Theory]
    [InlineData(503, false)]
    [InlineData(408, false)]
    [InlineData(null, true)]
    public void Decide_BackPressureWithoutRetryAfter_BacksOffWithoutHoldingOthers(int? status, bool notDelivered)
    {
        var decision = RetryRule.Decide(Failed(status, notDelivered ? GatewayAnswerKind.NotDelivered : GatewayAnswerKind.Answered), tries: 3, maxRetries: 8, Cap, Now);
        Assert.Equal(new RetryDecision(Now.AddSeconds(4), null), decision);
    }

    [Fact]
    public void Decide_408WithRetryAfter_WaitsForItWithoutHoldingOthers()
    {
        var decision = RetryRule.Decide(Failed(408, retryAfter: new RetryConditionHeaderValue(TimeSpan.FromSeconds(3))), tries: 1, maxRetries: 8, Cap, Now);
        Assert.Equal(new RetryDecision(Now.AddSeconds(3), null), decision);
    }

    [Theory]
    [InlineData(8, 8, true)]
    [InlineData(9, 8, false)]
    [InlineData(1, 0, false)]
    public void Decide_AfterTheLastAllowedRetry_IsFinal(int tries, int maxRetries, bool retried) =>
        Assert.Equal(retried, RetryRule.Decide(Failed(503), tries, maxRetries, Cap, Now) is not null);

    [Fact]
    public void Decide_NotRetryable_IsFinal() =>
        Assert.Null(RetryRule.Decide(Failed(502, retryAfter: new RetryConditionHeaderValue(TimeSpan.FromSeconds(1))), 1, 8, Cap, Now));
}
