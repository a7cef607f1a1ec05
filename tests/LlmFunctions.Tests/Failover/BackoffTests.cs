using LlmFunctions.Failover;

namespace LlmFunctions.Tests.Failover;

public class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, 1_920)]
    [InlineData(2, 3_840)]
    [InlineData(3, 7_680)]
    [InlineData(4, 15_360)]
    [InlineData(5, 30_000)] // 30,720 before the cap
    [InlineData(6, 30_000)]
    public void Delay_PinnedRandom_DoublesWithJitterAndCaps(int attempt, int expectedMs)
    {
        var delay = Backoff.Delay(attempt, Base, Cap, () => 0.4);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), delay);
    }

    [Theory]
    [InlineData(1, 1_600)]
    [InlineData(2, 3_200)]
    [InlineData(4, 12_800)]
    [InlineData(6, 30_000)]
    public void Delay_RandomZero_IsEightyPercentOfNominal(int attempt, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Backoff.Delay(attempt, Base, Cap, () => 0));
    }

    [Theory]
    [InlineData(1, 2_400)]
    [InlineData(3, 9_600)]
    [InlineData(4, 19_200)]
    [InlineData(5, 30_000)]
    public void Delay_RandomNearOne_StaysWithinTwentyPercentAboveAndUnderCap(int attempt, int upperMs)
    {
        var delay = Backoff.Delay(attempt, Base, Cap, () => 0.999_999_9);

        Assert.InRange(delay, TimeSpan.FromMilliseconds(upperMs - 1), TimeSpan.FromMilliseconds(upperMs));
    }

    [Fact]
    public void Delay_RandomHalf_IsExactlyNominal()
    {
        Assert.Equal(TimeSpan.FromSeconds(8), Backoff.Delay(3, Base, Cap, () => 0.5));
    }

    [Fact]
    public void Delay_HugeAttempt_ReturnsCapWithoutOverflow()
    {
        Assert.Equal(Cap, Backoff.Delay(int.MaxValue, Base, Cap, () => 0.4));
    }

    [Fact]
    public void Delay_AttemptZero_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Backoff.Delay(0, Base, Cap, () => 0.4));
    }
}
