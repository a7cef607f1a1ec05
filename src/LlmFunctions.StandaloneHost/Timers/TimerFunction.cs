using Microsoft.Azure.Functions.Worker;
using FunctionDefinition = LlmFunctions.StandaloneHost.Functions.FunctionDefinition;

namespace LlmFunctions.StandaloneHost.Timers;

/// <summary>A timer function with its schedule resolved and its parameters checked.</summary>
/// <param name="Name">The function's name.</param>
/// <param name="Schedule">The schedule.</param>
/// <param name="RunOnStartup">Whether it runs once when the host starts.</param>
/// <param name="UseMonitor">Whether a schedule status is kept (past-due catch-up, <see cref="TimerInfo.ScheduleStatus"/>).</param>
/// <param name="Invoker">Calls the function.</param>
internal sealed record TimerFunction(string Name, TimerSchedule Schedule, bool RunOnStartup, bool UseMonitor, TimerFunctionInvoker Invoker)
{
    public static TimerFunction From(FunctionDefinition function, IConfiguration configuration)
    {
        var trigger = (TimerTriggerAttribute)function.Trigger;
        var schedule = TimerSchedule.Resolve(function.Name, trigger.Schedule, configuration);
        return new TimerFunction(function.Name, schedule, trigger.RunOnStartup, trigger.UseMonitor && !schedule.IsSubMinute, new TimerFunctionInvoker(function));
    }
}
