using System.Globalization;

namespace ReplCache.Resp.Directives;

/// <summary>The snapshot file and when it is saved: <c>dir</c>, <c>dbfilename</c>, <c>save</c>.</summary>
internal static class PersistenceDirectives
{
    // Declared first: each entry below adds itself to it as it is initialised, so this is their textual order.
    private static readonly List<Directive> s_declared = [];

    /// <summary>
    /// The working directory's full path, for the relative file names (Redis chdirs there); null when no line
    /// gives it: the process's current directory.
    /// </summary>
    public static readonly Directive<string?> Dir = new(s_declared, "dir", arity: 2)
    {
        Parse = (a, earlier) => ChangeDirectory(a, earlier ?? Directory.GetCurrentDirectory()),
        Show = s => s.Options.SnapshotPath is { } snapshot
            ? Path.GetDirectoryName(Path.GetFullPath(snapshot)) ?? ""
            : Environment.CurrentDirectory,
        // Absolute, as Redis shows it after its chdir.
        HostShows = dir => dir ?? Directory.GetCurrentDirectory(),
        Affects = [nameof(ReplicatedCacheOptions.SnapshotPath)],
        Help = """
            dir <path>                    relative pidfile, logfile and dbfilename are taken from it (Redis
                                          chdirs there). Must exist. Default: the current directory.
            """,
    };

    public static readonly Directive<string> DbFileName = new(s_declared, "dbfilename", arity: 2)
    {
        // Redis's is dump.rdb; ReplCache's format is its own.
        Default = "dump.rcs",
        Parse = (a, _) => a[0].Length > 0 && Path.GetFileName(a[0]) == a[0]
            ? a[0]
            : throw a.Error("dbfilename can't be a path, just a filename (the directory is 'dir')"),
        Show = s => s.Options.SnapshotPath is { } snapshot ? Path.GetFileName(snapshot) : "",
        HostShows = name => name,
        Sets = [nameof(ReplicatedCacheOptions.SnapshotPath)],
        Help = """
            dbfilename <name>             SnapshotPath = <dir>/<name>, always set: loaded at start, SAVE works.
                                          Default dump.rcs.
            """,
    };

    /// <summary>
    /// The first <c>save</c> line replaces the default points and later lines add to them; <c>save ""</c> clears
    /// them all — Redis's rule for config files, which its command-line options follow too.
    /// </summary>
    public static readonly Directive<IReadOnlyList<SnapshotSavePoint>> Save = new(s_declared, "save", arity: -2)
    {
        Default = SnapshotSavePoint.RedisDefaults,
        Parse = (a, earlier) => a is [""] ? [] : [.. earlier ?? [], .. SavePoints(a)],
        Show = s => RedisUnits.SavePoints(s.SavePoints),
        HostShows = RedisUnits.SavePoints,
        Sets = [nameof(ReplicatedCacheOptions.SnapshotSavePoints)],
        Help = """
            save <secs> <changes> [...]   SnapshotSavePoints; a save runs when any point is satisfied. The first
                                          save line replaces the default 3600 1 300 100 60 10000, later ones add.
                                          save "" = none. With points, SaveOnStop = true; with none, false
                                          (the file still loads at start; SHUTDOWN SAVE still saves).
            """,
    };

    public static IReadOnlyList<Directive> All => s_declared;

    /// <summary>Redis chdirs at this line, so a relative dir is taken from the previous one.</summary>
    private static string ChangeDirectory(DirectiveArguments args, string from)
    {
        string dir = Path.GetFullPath(args[0], from);
        return Directory.Exists(dir) ? dir : throw args.Error($"Can't chdir to '{args[0]}': No such file or directory");
    }

    private static List<SnapshotSavePoint> SavePoints(DirectiveArguments args)
    {
        if (args.Count % 2 != 0)
        {
            throw args.Error("Invalid save parameters: expected pairs of <seconds> <changes>");
        }

        var points = new List<SnapshotSavePoint>();
        for (int i = 0; i < args.Count; i += 2)
        {
            if (!long.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds < 1 || seconds > TimeSpan.MaxValue.TotalSeconds
                || !long.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out long changes) || changes < 1)
            {
                // Redis allows 0 changes (save the unchanged data every <seconds>); ReplCache's save points need one.
                throw args.Error("Invalid save parameters: <seconds> and <changes> must be whole numbers of at least 1");
            }

            points.Add(new SnapshotSavePoint(TimeSpan.FromSeconds(seconds), changes));
        }

        return points;
    }
}
