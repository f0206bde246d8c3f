namespace ReplCache.Server;

/// <summary>The pidfile: written at start, removed at exit, as redis-server's.</summary>
internal sealed class PidFile
{
    private PidFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>
    /// Writes the process id to <paramref name="path"/>. A pidfile that cannot be written is not fatal — Redis logs
    /// "Failed to write PID file" and runs on — so the tutorial's /var/run path does not stop a non-root user.
    /// </summary>
    /// <returns>The pidfile, or null with <paramref name="problem"/> set when it could not be written.</returns>
    public static PidFile? TryWrite(string path, out string? problem)
    {
        try
        {
            File.WriteAllText(path, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            problem = null;
            return new PidFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>Removes the file; a file already gone is fine.</summary>
    public void Delete()
    {
        try
        {
            File.Delete(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do at exit; a stale pidfile is what Redis leaves in the same case.
        }
    }
}
