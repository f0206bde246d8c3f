using Level = Microsoft.Extensions.Logging.LogLevel;

namespace ReplCache.Resp.Directives;

/// <summary>
/// What only the host program acts on — its pidfile, its log, daemonizing — so CONFIG GET on a node embedded in an
/// application shows no pidfile and no log file: <c>pidfile</c>, <c>logfile</c>, <c>loglevel</c>, <c>daemonize</c>.
/// </summary>
internal static class ProcessDirectives
{
    // Declared first: each entry below adds itself to it as it is initialised, so this is their textual order.
    private static readonly List<Directive> s_declared = [];

    /// <summary>Redis's levels as the host's log levels, in the order Redis's error lists them.</summary>
    private static readonly (string Word, Level Value)[] LogLevels =
    [
        ("debug", Level.Trace),
        ("verbose", Level.Debug),
        ("notice", Level.Information),
        ("warning", Level.Warning),
        ("nothing", Level.None),
    ];

    /// <summary>As written, resolved against <c>dir</c>; null: none.</summary>
    public static readonly Directive<string?> PidFile = new(s_declared, "pidfile", arity: 2)
    {
        Parse = (a, _) => a.TextOrNull(),
        Show = _ => "",
        HostShows = path => path ?? "",
        Help = """
            pidfile <path>                written at start, removed at exit (a warning if it cannot be written).
            """,
    };

    /// <summary>As written, resolved against <c>dir</c>; empty: standard output.</summary>
    public static readonly Directive<string> LogFile = new(s_declared, "logfile", arity: 2)
    {
        Default = "",
        Parse = (a, _) => a[0],
        Show = _ => "",
        HostShows = path => path,
        Help = """
            logfile <path>                Redis-style log lines, appended; "" = standard output.
            """,
    };

    public static readonly Directive<Level> LogLevel = new(s_declared, "loglevel", arity: 2)
    {
        Default = Level.Information,
        Parse = (a, _) => a.OneOf(LogLevels),
        HostShows = level => RedisUnits.Word(LogLevels, level),
        Help = """
            loglevel debug|verbose|notice|warning|nothing          Default notice.
            """,
    };

    /// <summary>Only no: the server stays in the foreground, under whatever supervises it.</summary>
    public static readonly Directive<bool> Daemonize = new(s_declared, "daemonize", arity: 2)
    {
        Parse = (a, _) => a.YesNo()
            ? throw a.Error("replcache-server does not daemonize: run it under a service manager (systemd, a container, launchd), or in the background with '&'; use daemonize no")
            : false,
        Show = _ => "no",
        HostShows = _ => "no",
        Help = """
            daemonize no                  "yes" is refused: run under a service manager instead.
            """,
    };

    public static IReadOnlyList<Directive> All => s_declared;
}
