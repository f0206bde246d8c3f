using System.Globalization;
using ReplCache.FaultInjection;
using ReplCache.FaultInjection.Checking;
using ReplCache.FaultInjection.Group;

// replcache-faults [--seed N] [--seconds S] [--target replcache|redis|both] [--report file.md] [--print-schedule] [--keep]
// Runs the seeded fault schedule against a replcache-server group and a redis-server group (same ports layout,
// seed, schedule and Sentinel settings) and prints the table of what each lost.
int seed = 1, seconds = 180;
string target = "both";
string? reportPath = null;
for (int i = 0; i < args.Length; i += 2)
{
    if (args[i] is "--print-schedule" or "--keep")
    {
        i--; // a flag, without a value
        continue;
    }

    if (i + 1 == args.Length)
    {
        Console.Error.WriteLine($"option {args[i]} needs a value");
        return 2;
    }

    switch (args[i])
    {
        case "--seed": seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--target": target = args[i + 1]; break;
        case "--report": reportPath = args[i + 1]; break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

if (args.Contains("--print-schedule"))
{
    // The faults the seed draws for that duration, without running them: to pick a seed that reaches a given fault.
    foreach (ReplCache.FaultInjection.Nemeses.ScheduledFault fault in ReplCache.FaultInjection.Nemeses.Schedule.Create(seed, TimeSpan.FromSeconds(seconds)))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"#{fault.Index} {fault.Fault} hold {fault.Hold.TotalSeconds:F1} s, quiet {fault.Quiet.TotalSeconds:F1} s"));
    }

    return 0;
}

NodeProcess.ReplCacheServerDll ??= Locate.ReplCacheServer();
ServerKind[] kinds = target switch
{
    "replcache" => [ServerKind.ReplCache],
    "redis" => [ServerKind.Redis],
    _ => [ServerKind.ReplCache, ServerKind.Redis],
};
var results = new List<RunResult>();
foreach (ServerKind kind in kinds)
{
    results.Add(await FaultRunner.RunAsync(kind, seed, TimeSpan.FromSeconds(seconds), Console.WriteLine, CancellationToken.None, keep: args.Contains("--keep")));
}

string report = Report.Markdown(results, TimeSpan.FromSeconds(seconds));
Console.WriteLine();
Console.WriteLine(report);
if (reportPath is not null)
{
    await File.WriteAllTextAsync(reportPath, report);
}

return 0;
