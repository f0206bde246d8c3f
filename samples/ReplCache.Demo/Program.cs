// The seed tutorial's Redis walkthrough — one primary, two replicas, steps 1 to 11 — played on three ReplCache
// nodes in this process, on 127.0.0.1 with ports the OS picks. Every step prints what INFO replication shows
// and checks the outcome; anything unexpected ends the run with exit code 1.
//
//   dotnet run --project samples/ReplCache.Demo            condensed INFO, ids shortened
//   dotnet run --project samples/ReplCache.Demo -- --full  the whole "# Replication" section of every node
using System.Diagnostics;
using ReplCache.Demo;

var clock = Stopwatch.StartNew();
string directory = Directory.CreateTempSubdirectory("replcache-demo-").FullName;
var walkthrough = new SeedWalkthrough(directory, new InfoPrinter(full: args.Contains("--full")));
try
{
    await walkthrough.RunAsync();
    Console.WriteLine();
    Console.WriteLine($"All steps behaved as expected ({clock.Elapsed.TotalSeconds:F1} s).");
    return 0;
}
catch (UnexpectedStateException ex)
{
    Console.WriteLine();
    Console.WriteLine($"UNEXPECTED in step {walkthrough.CurrentStep}:");
    Console.WriteLine($"  expected: {ex.Expected}");
    Console.WriteLine($"  actual:   {ex.Actual}");
    return 1;
}
finally
{
    await walkthrough.DisposeAsync();
    Directory.Delete(directory, recursive: true);
}
