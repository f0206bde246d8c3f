namespace ReplCache.FaultInjection;

/// <summary>Finds the replcache-server build (Release, else Debug) from the repository root above this program.</summary>
public static class Locate
{
    public static string? ReplCacheServer()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string configuration in new[] { "Release", "Debug" })
            {
                string candidate = Path.Combine(dir.FullName, "src", "ReplCache.Server", "bin", configuration, "net10.0", "ReplCache.Server.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
