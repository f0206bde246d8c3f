using System.Globalization;

namespace ReplCache.Benchmarks;

/// <summary>
/// redis-benchmark against one replcache-server and one redis-server (no replicas), SET and GET with 100-byte values,
/// pipelined (-P 16) and not (50 clients, one request in flight each): the runs alternate server by server, pair by
/// pair, so a drift in the machine's speed falls on both; medians of the figures and of the pairs' ratios.
/// </summary>
internal static class SingleServerRespBench
{
    private static readonly (string Name, string Test, string[] Arguments)[] Cases =
    [
        ("SET -P 16", "SET", ["-t", "set", "-P", "16", "-n", "500000"]),
        ("GET -P 16", "GET", ["-t", "get", "-P", "16", "-n", "500000"]),
        ("SET, 50 clients", "SET", ["-t", "set", "-n", "200000"]),
        ("GET, 50 clients", "GET", ["-t", "get", "-n", "200000"]),
    ];

    public static int Run(int pairs)
    {
        if (!RedisPeer.IsInstalled || RedisPeer.ReplCacheServerDll is null)
        {
            Console.WriteLine("needs redis-server, redis-tools (redis-benchmark) and a Release build of src/ReplCache.Server.");
            return 2;
        }

        using RedisPeer ours = RedisPeer.StartReplCacheServer();
        using RedisPeer theirs = RedisPeer.Start();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; {pairs} pairs per case, after one unmeasured round of every case on each server");
        foreach (var c in Cases)
        {
            _ = Measure(ours, c.Test, c.Arguments);
            _ = Measure(theirs, c.Test, c.Arguments);
        }

        var figures = Cases.Select(_ => (Ours: new List<double>(), Theirs: new List<double>())).ToArray();
        for (int pair = 0; pair < pairs; pair++)
        {
            for (int i = 0; i < Cases.Length; i++)
            {
                // Alternate which server goes first, so neither always runs on the machine the other just warmed.
                bool oursFirst = pair % 2 == 0;
                double first = Measure(oursFirst ? ours : theirs, Cases[i].Test, Cases[i].Arguments);
                double second = Measure(oursFirst ? theirs : ours, Cases[i].Test, Cases[i].Arguments);
                figures[i].Ours.Add(oursFirst ? first : second);
                figures[i].Theirs.Add(oursFirst ? second : first);
            }
        }

        Console.WriteLine($"{"redis-benchmark -d 100 -r 100000",-34} {"replcache-server",16} {"redis-server",14} {"ratio (median of pairs)",24}");
        for (int i = 0; i < Cases.Length; i++)
        {
            var (o, t) = figures[i];
            double ratio = Median(o.Zip(t, (a, b) => a / b));
            Console.WriteLine($"{Cases[i].Name,-34} {Median(o),16:N0} {Median(t),14:N0} {ratio,23:F2}x   (pairs: {string.Join(' ', o.Zip(t, (a, b) => (a / b).ToString("F2", CultureInfo.InvariantCulture)))})");
        }

        return 0;
    }

    private static double Measure(RedisPeer server, string test, string[] arguments) =>
        RedisBenchmarkTool.RequireRequestsPerSecond(
            RedisBenchmarkTool.Run(["-p", server.Port.ToString(CultureInfo.InvariantCulture), "-d", "100", "-r", "100000", "-q", .. arguments]), test);

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
