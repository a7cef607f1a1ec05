using NCrontab;

namespace LlmFunctions.FunctionApp.Functions.Timers;

/// <summary>An NCRONTAB schedule with seconds (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>), in UTC.</summary>
internal sealed class TimerSchedule
{
    private static readonly CrontabSchedule.ParseOptions WithSeconds = new() { IncludingSeconds = true };

    private readonly CrontabSchedule _schedule;

    private TimerSchedule(CrontabSchedule schedule, string expression)
    {
        _schedule = schedule;
        Expression = expression;
    }

    public string Expression { get; }

    /// <summary>Parses a schedule; a bad one throws naming the setting and the expression.</summary>
    public static TimerSchedule Parse(string setting, string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new InvalidOperationException($"{setting} is not set: it must hold an NCRONTAB schedule with seconds, e.g. \"0 */1 * * * *\".");
        }

        try
        {
            return new TimerSchedule(CrontabSchedule.Parse(expression, WithSeconds), expression);
        }
        catch (CrontabException ex)
        {
            throw new InvalidOperationException(
                $"{setting} is not a valid NCRONTAB schedule with seconds ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}): \"{expression}\".",
                ex);
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="now"/>.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset now) =>
        new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(now.UtcDateTime), DateTimeKind.Utc));
}
