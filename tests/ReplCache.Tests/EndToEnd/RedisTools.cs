namespace ReplCache.Tests.EndToEnd;

/// <summary>Finds Redis's command-line tools and the build outputs the end-to-end tests run.</summary>
internal static class RedisTools
{
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);

    public static string Require(string tool) =>
        Find(tool) ?? throw new InvalidOperationException($"{tool} is not installed: apt-get install redis-tools redis-server");

    /// <summary>The repository's root, found from the test assembly's folder.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The replcache-server build of the same configuration as the tests.</summary>
    public static string ServerDll
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            return Path.Combine(RepositoryRoot, "src", "ReplCache.Server", "bin", configuration, "net10.0", "ReplCache.Server.dll");
        }
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReplCache.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ReplCache.sln not found above " + AppContext.BaseDirectory);
    }
}
