namespace ReplCache.Tests.Infrastructure;

/// <summary>This process's threads as Linux lists them in /proc, for tests that check a loop's thread starts and ends.</summary>
internal static class ProcessThreads
{
    /// <summary>Threads whose name, as /proc shows it (cut to 15 bytes), is <paramref name="comm"/>.</summary>
    public static int Named(string comm) =>
        Directory.GetDirectories("/proc/self/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == comm;
            }
            catch (IOException)
            {
                return false; // the thread ended while we looked
            }
        });
}
