using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ReplCache.Benchmarks;

/// <summary>redis-benchmark, the client both servers are measured with: run to its end, and its figures read from its <c>-q</c> output.</summary>
internal static partial class RedisBenchmarkTool
{
    /// <summary>Runs redis-benchmark to its end (bounded: five minutes) and returns what it printed.</summary>
    public static string Run(params string[] arguments)
    {
        var run = new ProcessStartInfo(RedisPeer.FindOnPath("redis-benchmark")!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in arguments)
        {
            run.ArgumentList.Add(arg);
        }

        using Process benchmark = Process.Start(run)!;
        Task<string> output = benchmark.StandardOutput.ReadToEndAsync();
        Task<string> errors = benchmark.StandardError.ReadToEndAsync();
        if (!benchmark.WaitForExit(TimeSpan.FromMinutes(5)) || !Task.WaitAll([output, errors], TimeSpan.FromSeconds(10)))
        {
            benchmark.Kill(entireProcessTree: true);
            throw new TimeoutException($"redis-benchmark {string.Join(' ', arguments)} did not finish within 5 minutes.");
        }

        return output.Result + errors.Result;
    }

    /// <summary>The requests per second redis-benchmark reported for <paramref name="test"/> (SET, GET), or null.</summary>
    public static double? RequestsPerSecond(string output, string test)
    {
        foreach (Match line in Figure().Matches(output))
        {
            if (line.Groups[1].Value == test)
            {
                return double.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>As <see cref="RequestsPerSecond"/>, failing with what redis-benchmark printed when the figure is missing.</summary>
    public static double RequireRequestsPerSecond(string output, string test) =>
        RequestsPerSecond(output, test) ?? throw new InvalidOperationException($"redis-benchmark printed no {test} figure:\n{output}");

    // -q ends each test with "SET: 123456.79 requests per second, p50=0.199 msec", after progress lines ended by a
    // carriage return ("SET: rps=..."), so the figure is not at the start of a line.
    [GeneratedRegex(@"([A-Z]+): ([\d.]+) requests per second")]
    private static partial Regex Figure();
}
