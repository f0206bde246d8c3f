using System.Diagnostics;

namespace ReplCache.Demo;

/// <summary>A step did not end in the state the tutorial describes.</summary>
internal sealed class UnexpectedStateException(string expected, string actual) : Exception($"expected {expected}, but {actual}")
{
    public string Expected => expected;

    public string Actual => actual;
}

/// <summary>The demo's checks: a condition now, or a condition reached before a deadline (replication takes a moment).</summary>
internal static class Expect
{
    /// <summary>How long any one expectation may take to come true; far more than a healthy run needs.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public static void That(bool condition, string expected, Func<string> actual)
    {
        if (!condition)
        {
            throw new UnexpectedStateException(expected, actual());
        }
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new UnexpectedStateException($"{what} = {expected}", $"it is {actual}");
        }
    }

    public static TException Throws<TException>(Action action, string expected)
        where TException : Exception
    {
        try
        {
            action();
        }
        catch (TException ex)
        {
            return ex;
        }

        throw new UnexpectedStateException(expected, "nothing was thrown");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, or fails after <see cref="Deadline"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string expected, Func<string> actual)
    {
        var clock = Stopwatch.StartNew();
        int delayMs = 1;
        while (!condition())
        {
            if (clock.Elapsed > Deadline)
            {
                throw new UnexpectedStateException($"{expected} within {Deadline.TotalSeconds:F0} s", actual());
            }

            await Task.Delay(delayMs);
            delayMs = Math.Min(delayMs * 2, 50);
        }
    }
}
