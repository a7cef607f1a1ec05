using System.Globalization;
using System.Text.RegularExpressions;
using NCrontab;

namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>
/// A timer function's schedule as the Functions timer extension reads it: <c>%Setting%</c> replaced by that setting's
/// value, then an NCRONTAB expression with seconds (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>) or,
/// failing that, a <see cref="TimeSpan"/> such as <c>00:05:00</c>. Evaluated in UTC.
/// </summary>
internal sealed partial class TimerSchedule
{
    private static readonly CrontabSchedule.ParseOptions WithSeconds = new() { IncludingSeconds = true };

    private readonly CrontabSchedule? _cron;
    private readonly TimeSpan _interval;

    private TimerSchedule(string expression, CrontabSchedule? cron, TimeSpan interval)
    {
        Expression = expression;
        _cron = cron;
        _interval = interval;
    }

    /// <summary>Gets the resolved expression.</summary>
    public string Expression { get; }

    /// <summary>Gets a value indicating whether occurrences come more often than once a minute (Functions then keeps no schedule status).</summary>
    public bool IsSubMinute => _cron is null ? _interval < TimeSpan.FromMinutes(1) : NextAfter(NextAfter(Anchor)) - NextAfter(Anchor) < TimeSpan.FromMinutes(1);

    private static DateTimeOffset Anchor => new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Resolves and parses the schedule of function <paramref name="function"/>; a bad one throws naming the function and the setting.</summary>
    /// <param name="function">The function's name.</param>
    /// <param name="schedule">The <c>[TimerTrigger]</c> schedule, possibly with <c>%Setting%</c> references.</param>
    /// <param name="configuration">The settings.</param>
    /// <returns>The schedule.</returns>
    public static TimerSchedule Resolve(string function, string? schedule, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(schedule))
        {
            throw new InvalidOperationException($"Timer function '{function}' has no schedule.");
        }

        var settings = new List<string>();
        var expression = SettingReference().Replace(schedule, match =>
        {
            var name = match.Groups["name"].Value;
            settings.Add(name);
            var value = configuration[name];
            return string.IsNullOrWhiteSpace(value)
                ? throw new InvalidOperationException($"Timer function '{function}': setting {name} (its schedule \"{schedule}\") is not set; it must hold an NCRONTAB schedule with seconds, e.g. \"0 */5 * * * *\", or a TimeSpan such as \"00:05:00\".")
                : value;
        }).Trim();
        var source = settings.Count == 0 ? $"schedule \"{schedule}\"" : $"setting {string.Join(", ", settings)} (\"{expression}\")";

        if (CrontabSchedule.TryParse(expression, WithSeconds) is { } cron)
        {
            return new TimerSchedule(expression, cron, TimeSpan.Zero);
        }

        if (TimeSpan.TryParse(expression, CultureInfo.InvariantCulture, out var interval))
        {
            return interval > TimeSpan.Zero
                ? new TimerSchedule(expression, null, interval)
                : throw new InvalidOperationException($"Timer function '{function}': {source} is not a positive interval.");
        }

        throw new InvalidOperationException(
            $"Timer function '{function}': {source} is neither an NCRONTAB expression with seconds ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}) nor a TimeSpan.");
    }

    /// <summary>The first occurrence strictly after <paramref name="now"/>.</summary>
    /// <remarks>An interval schedule's occurrences are whole multiples of the interval since the Unix epoch, so every
    /// host sharing the lock computes the same occurrences (Functions counts from the host's start).</remarks>
    public DateTimeOffset NextAfter(DateTimeOffset now)
    {
        if (_cron is not null)
        {
            return new(DateTime.SpecifyKind(_cron.GetNextOccurrence(now.UtcDateTime), DateTimeKind.Utc));
        }

        var elapsed = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var periods = (elapsed / _interval.Ticks) + 1;
        return DateTimeOffset.UnixEpoch.AddTicks(periods * _interval.Ticks);
    }

    [GeneratedRegex("%(?<name>[^%]+)%", RegexOptions.CultureInvariant)]
    private static partial Regex SettingReference();
}
