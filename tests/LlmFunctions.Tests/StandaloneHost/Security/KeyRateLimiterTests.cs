extern alias StandaloneHost;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using StandaloneHost::LlmFunctions.StandaloneHost.Security;

namespace LlmFunctions.Tests.StandaloneHost.Security;

public sealed class KeyRateLimiterTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryTake_RequestsPerMinute_RefusesTheNextWithTheWaitThenRefillsOverTheMinute()
    {
        var time = new FakeTimeProvider(Start);
        var limiter = new KeyRateLimiter(new Dictionary<string, KeyLimit> { ["batch"] = new(6, null) }, time);

        var taken = Enumerable.Range(0, 6).Select(_ => limiter.TryTake("batch", 0).Allowed).ToList();
        var refused = limiter.TryTake("batch", 0);
        time.Advance(TimeSpan.FromSeconds(9));
        var stillRefused = limiter.TryTake("batch", 0);
        time.Advance(TimeSpan.FromSeconds(1));
        var refilled = limiter.TryTake("batch", 0);

        Assert.All(taken, Assert.True);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(10), refused.RetryAfter);
        Assert.Equal("RequestsPerMinute", refused.Limit);
        Assert.Equal(TimeSpan.FromSeconds(1), stillRefused.RetryAfter);
        Assert.True(refilled.Allowed);
    }

    [Fact]
    public void TryTake_PromptChars_CountsCharactersAndNeverLetsOneRequestExceedTheMinute()
    {
        var time = new FakeTimeProvider(Start);
        var limiter = new KeyRateLimiter(new Dictionary<string, KeyLimit> { ["batch"] = new(null, 600) }, time);

        Assert.True(limiter.TryTake("batch", 500).Allowed);
        var refused = limiter.TryTake("batch", 200);
        var tooBig = limiter.TryTake("batch", 601);
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(10), refused.RetryAfter);
        Assert.Equal("PromptCharsPerMinute", refused.Limit);
        Assert.True(tooBig.NeverFits);
        Assert.True(limiter.TryTake("batch", 200).Allowed);
    }

    [Fact]
    public void TryTake_KeyWithoutLimits_IsNeverRefusedAndKeysAreCountedApart()
    {
        var limiter = new KeyRateLimiter(new Dictionary<string, KeyLimit> { ["batch"] = new(1, null) }, new FakeTimeProvider(Start));

        Assert.True(limiter.TryTake("batch", 0).Allowed);
        Assert.False(limiter.TryTake("batch", 0).Allowed);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.True(limiter.TryTake("master", 1_000_000).Allowed));
    }

    [Theory]
    [InlineData("LlmFunctions:Keys:Master", "short", "LlmFunctions:Keys:Master must be at least 16")]
    [InlineData("LlmFunctions:Keys:Function:master", "function-key-0123456789", "LlmFunctions:Keys:Function:master")]
    [InlineData("LlmFunctions:Keys:Limits:nobody:RequestsPerMinute", "5", "LlmFunctions:Keys:Limits:nobody")]
    [InlineData("LlmFunctions:Keys:Limits:batch:RequestsPerMinute", "0", "LlmFunctions:Keys:Limits:batch:RequestsPerMinute must be a whole number")]
    [InlineData("LlmFunctions:Keys:Function:other", "batch-key-0123456789abc", "hold the same key")]
    public void Settings_Bad_FailNamingTheSettingWithoutTheValue(string setting, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmFunctions:Keys:Function:batch"] = "batch-key-0123456789abc",
            [setting] = value,
        }).Build();

        var failure = Assert.Throws<InvalidOperationException>(() => KeyLimits.From(configuration, HostKeys.From(configuration)));

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("batch-key-0123456789abc", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_EachKey_FoundByNameAndLevel_OthersNot()
    {
        var keys = HostKeys.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmFunctions:Keys:Master"] = "master-key-0123456789",
            ["LlmFunctions:Keys:Function:batch"] = "batch-key-0123456789",
            ["LlmFunctions:Keys:Function:empty"] = "",
        }).Build());

        Assert.Equal(new KeyMatch("master", true), keys.Match("master-key-0123456789"));
        Assert.Equal(new KeyMatch("batch", false), keys.Match("batch-key-0123456789"));
        Assert.Null(keys.Match("batch-key-012345678"));
        Assert.Null(keys.Match(string.Empty));
        Assert.Equal(["master", "batch"], keys.Names);
    }
}
