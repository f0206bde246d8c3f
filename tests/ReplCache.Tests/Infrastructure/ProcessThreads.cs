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

    /// <summary>
    /// Polls until <see cref="Named"/> is <paramref name="expected"/> or 10 s pass, and returns the last count: a
    /// thread that has ended its work (a Join returned) is still listed until the system has reaped it.
    /// </summary>
    public static async Task<int> NamedSoonAsync(string comm, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int count;
        while ((count = Named(comm)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return count;
    }
}
