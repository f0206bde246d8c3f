using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace ReplCache.Benchmarks;

/// <summary>
/// Runs one case of a bench in a fresh process — this same bench program, started again with a hidden mode — so that
/// each case starts from a clean heap and its own resident set, under the same GC configuration as the parent.
/// The child ends its output with one line <c>result v1 v2 ...</c>, which the parent reads back.
/// </summary>
internal static class IsolatedCase
{
    public const string ResultPrefix = "result ";

    public static double[] Run(TimeSpan timeout, params string[] arguments)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable.");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as 'dotnet ReplCache.Benchmarks.dll': start the child the same way.
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("The child bench process did not start.");
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> errors = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(timeout))
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit(5000);
            throw new TimeoutException($"The child bench '{string.Join(' ', arguments)}' did not finish within {timeout.TotalSeconds:F0} s.");
        }

        if (!Task.WaitAll([output, errors], TimeSpan.FromSeconds(10)))
        {
            throw new TimeoutException("The child bench exited but its output did not end.");
        }

        string text = output.Result;
        string? result = text.Split('\n').LastOrDefault(line => line.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (child.ExitCode != 0 || result is null)
        {
            throw new InvalidOperationException($"The child bench '{string.Join(' ', arguments)}' failed (exit {child.ExitCode}):\n{text}\n{errors.Result}");
        }

        return result[ResultPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The child's side: the line <see cref="Run"/> reads.</summary>
    public static void Report(params double[] figures) =>
        Console.WriteLine(ResultPrefix + string.Join(' ', figures.Select(f => f.ToString("R", CultureInfo.InvariantCulture))));
}
