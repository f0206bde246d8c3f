using System.Globalization;

namespace ReplCache.Resp.Directives;

/// <summary>
/// Whom the node follows, the secret peers and clients share, and the replication limits and timings:
/// <c>replicaof</c>, <c>requirepass</c>/<c>masterauth</c>, <c>protected-mode</c>, <c>repl-*</c>, <c>min-replicas-*</c>.
/// </summary>
internal static class ReplicationDirectives
{
    // Declared first: each entry below adds itself to it as it is initialised, so this is their textual order.
    private static readonly List<Directive> s_declared = [];

    /// <summary>The primary's address, <c>http://host:port</c>; <c>replicaof no one</c> (null) undoes an earlier line.</summary>
    public static readonly Directive<Uri?> ReplicaOf = new(s_declared, "replicaof", arity: 3)
    {
        Aliases = ["slaveof"],
        Parse = (a, _) => PrimaryAddress(a),
        // The primary followed now: REPLICAOF from a client changes it after start.
        Show = s => s.PrimaryAddress is { } primary ? $"{primary.Host} {RedisUnits.Number(primary.Port)}" : "",
        Sets = [nameof(ReplicatedCacheOptions.PrimaryAddress)],
        Help = """
            replicaof <host> <port>       PrimaryAddress = http://<host>:<port>; "replicaof no one" undoes it.
            """,
    };

    /// <remarks>
    /// At runtime (CONFIG SET, as Sentinel's runtime-reconfiguration tests use it) it changes the one secret: new
    /// clients and peers must present it, and this node presents it to its primary from its next connection; "" turns
    /// authentication off. Connections already authenticated stay so, as in Redis.
    /// </remarks>
    public static readonly Directive<string?> RequirePass = new(s_declared, "requirepass", arity: 2)
    {
        SetAtRuntime = true,
        Parse = (a, _) => a.TextOrNull(),
        ToOptions = (token, o) => o.AuthToken = token,
        // Redis shows it to a client that passed AUTH; every client here did, when one is set.
        Show = s => s.Options.AuthToken ?? "",
        Sets = [nameof(ReplicatedCacheOptions.AuthToken)],
        Help = """
            requirepass <pw>, masterauth <pw>
                                          AuthToken: ReplCache has one shared secret; if both are given they
                                          must be equal.
            """,
    };

    /// <remarks>The same secret as <see cref="RequirePass"/>: setting one sets both.</remarks>
    public static readonly Directive<string?> MasterAuth = new(s_declared, "masterauth", arity: 2)
    {
        SetAtRuntime = true,
        Parse = (a, _) => a.TextOrNull(),
        ToOptions = (token, o) => o.AuthToken = token,
        Show = s => s.Options.AuthToken ?? "",
        Sets = [nameof(ReplicatedCacheOptions.AuthToken)],
        // Help: with requirepass.
    };

    /// <summary>Seconds. ReplCache's own: Redis has one password at a time and no way to rotate it without refusals.</summary>
    public static readonly Directive<int> RequirePassGracePeriod = new(s_declared, "requirepass-grace-period", arity: 2)
    {
        Parse = (a, _) => a.Integer(0, 86_400),
        ToOptions = (seconds, o) => o.AuthTokenGracePeriod = TimeSpan.FromSeconds(seconds),
        Show = s => RedisUnits.Seconds(s.Options.AuthTokenGracePeriod),
        Sets = [nameof(ReplicatedCacheOptions.AuthTokenGracePeriod)],
        Help = """
            requirepass-grace-period <secs>
                                          AuthTokenGracePeriod: after CONFIG SET requirepass, the previous
                                          password is still accepted this long, so a group rotates it node
                                          by node with no link refused. Default 60; 0 to 86400.
            """,
    };

    public static readonly Directive<bool> ProtectedMode = new(s_declared, "protected-mode", arity: 2)
    {
        Parse = (a, _) => a.YesNo(),
        ToOptions = (on, o) => o.ProtectedMode = on,
        Sets = [nameof(ReplicatedCacheOptions.ProtectedMode)],
        Help = """
            protected-mode yes|no         ProtectedMode. Default yes: without a password, RESP clients
                                          from other hosts get -DENIED.
            """,
    };

    public static readonly Directive<long> BacklogSize = new(s_declared, "repl-backlog-size", arity: 2)
    {
        Parse = (a, _) => a.Memory(),
        ToOptions = (bytes, o) => o.BacklogSizeBytes = bytes,
        Show = s => RedisUnits.Number(s.Options.BacklogSizeBytes),
        Sets = [nameof(ReplicatedCacheOptions.BacklogSizeBytes)],
        Help = """
            repl-backlog-size <bytes>     BacklogSizeBytes (1k=1000, 1kb=1024, m/mb, g/gb). Default 16mb.
            """,
    };

    /// <summary>Seconds. At runtime too, as in Redis: the primary reads it at each once-a-second check.</summary>
    public static readonly Directive<int> BacklogTtl = new(s_declared, "repl-backlog-ttl", arity: 2)
    {
        SetAtRuntime = true,
        Parse = (a, _) => a.Integer(0, int.MaxValue),
        ToOptions = (seconds, o) => o.BacklogTtl = TimeSpan.FromSeconds(seconds),
        Show = s => RedisUnits.Seconds(s.Options.BacklogTtl),
        Sets = [nameof(ReplicatedCacheOptions.BacklogTtl)],
        Help = """
            repl-backlog-ttl <secs>       BacklogTtl: a primary frees its backlog after this long with no
                                          secondary connected; 0 never. Default 3600.
            """,
    };

    /// <summary>
    /// Only yes, which is ReplCache's only mode for a plain replica (the host sets ReplicaWrites = Reject). Writes
    /// from Redis clients are READONLY on every secondary; ForwardToPrimary forwards only the cache API's.
    /// </summary>
    public static readonly Directive<bool> ReplicaReadOnly = new(s_declared, "replica-read-only", arity: 2)
    {
        Aliases = ["slave-read-only"],
        Parse = (a, _) => a.YesNo() ? true : throw a.Error("ReplCache replicas are always read-only (a replica never diverges from its primary): replica-read-only must be yes"),
        Show = _ => "yes",
        Help = """
            replica-read-only yes         ReplicaWrites = Reject. "no" is refused: replicas never diverge.
            """,
    };

    public static readonly Directive<bool> ServeStaleData = new(s_declared, "replica-serve-stale-data", arity: 2)
    {
        SetAtRuntime = true,
        Aliases = ["slave-serve-stale-data"],
        Parse = (a, _) => a.YesNo(),
        ToOptions = (serve, o) => o.ServeStaleData = serve,
        Show = s => RedisUnits.YesNo(s.Options.ServeStaleData),
        Sets = [nameof(ReplicatedCacheOptions.ServeStaleData)],
        Help = """
            replica-serve-stale-data yes|no        ServeStaleData. Default yes.
            """,
    };

    /// <summary>INFO's <c>slave_priority</c>, which Sentinel reads to choose whom to promote.</summary>
    public static readonly Directive<int> ReplicaPriority = new(s_declared, "replica-priority", arity: 2)
    {
        SetAtRuntime = true,
        Aliases = ["slave-priority"],
        Parse = (a, _) => a.Integer(0, int.MaxValue),
        ToOptions = (priority, o) => o.ReplicaPriority = priority,
        Show = s => RedisUnits.Number(s.Options.ReplicaPriority),
        Sets = [nameof(ReplicatedCacheOptions.ReplicaPriority)],
        Help = """
            replica-priority <n>          ReplicaPriority: Sentinel promotes the lowest first, never 0.
                                          Default 100.
            """,
    };

    public static readonly Directive<int> MinReplicasToWrite = new(s_declared, "min-replicas-to-write", arity: 2)
    {
        SetAtRuntime = true,
        Aliases = ["min-slaves-to-write"],
        Parse = (a, _) => a.Integer(0, int.MaxValue),
        ToOptions = (count, o) => o.MinReplicasToWrite = count,
        Show = s => RedisUnits.Number(s.Options.MinReplicasToWrite),
        Sets = [nameof(ReplicatedCacheOptions.MinReplicasToWrite)],
        Help = """
            min-replicas-to-write <n>     MinReplicasToWrite. Default 0.
            """,
    };

    /// <summary>INFO's <c>replica_announced</c>, which Sentinel reads to leave a secondary out of SENTINEL replicas.</summary>
    public static readonly Directive<bool> ReplicaAnnounced = new(s_declared, "replica-announced", arity: 2)
    {
        SetAtRuntime = true,
        Parse = (a, _) => a.YesNo(),
        ToOptions = (announced, o) => o.ReplicaAnnounced = announced,
        Show = s => RedisUnits.YesNo(s.Options.ReplicaAnnounced),
        Sets = [nameof(ReplicatedCacheOptions.ReplicaAnnounced)],
        Help = """
            replica-announced yes|no      ReplicaAnnounced: "no" hides this secondary from SENTINEL replicas.
                                          Default yes.
            """,
    };

    /// <summary>Seconds.</summary>
    public static readonly Directive<int> MinReplicasMaxLag = new(s_declared, "min-replicas-max-lag", arity: 2)
    {
        SetAtRuntime = true,
        Aliases = ["min-slaves-max-lag"],
        Parse = (a, _) => a.Integer(0, int.MaxValue),
        ToOptions = (seconds, o) => o.MinReplicasMaxLag = TimeSpan.FromSeconds(seconds),
        Show = s => RedisUnits.Seconds(s.Options.MinReplicasMaxLag),
        Sets = [nameof(ReplicatedCacheOptions.MinReplicasMaxLag)],
        Help = """
            min-replicas-max-lag <secs>   MinReplicasMaxLag. Default 10.
            """,
    };

    /// <summary>Seconds.</summary>
    public static readonly Directive<int> ReplTimeout = new(s_declared, "repl-timeout", arity: 2)
    {
        Parse = (a, _) => a.Integer(1, int.MaxValue),
        ToOptions = (seconds, o) => o.ReplicationTimeout = TimeSpan.FromSeconds(seconds),
        Show = s => RedisUnits.Seconds(s.Options.ReplicationTimeout),
        Sets = [nameof(ReplicatedCacheOptions.ReplicationTimeout)],
        Help = """
            repl-timeout <secs>           ReplicationTimeout. Default 60.
            """,
    };

    /// <summary>Seconds. The node requires it shorter than the timeout, so a refused timeout names it too.</summary>
    public static readonly Directive<int> PingPeriod = new(s_declared, "repl-ping-replica-period", arity: 2)
    {
        Aliases = ["repl-ping-slave-period"],
        Parse = (a, _) => a.Integer(1, int.MaxValue),
        ToOptions = (seconds, o) => o.HeartbeatInterval = TimeSpan.FromSeconds(seconds),
        Show = s => RedisUnits.Seconds(s.Options.HeartbeatInterval),
        Sets = [nameof(ReplicatedCacheOptions.HeartbeatInterval)],
        Affects = [nameof(ReplicatedCacheOptions.ReplicationTimeout)],
        Help = """
            repl-ping-replica-period <secs>        HeartbeatInterval. Default 1 (Redis: 10).
            """,
    };

    public static IReadOnlyList<Directive> All => s_declared;

    /// <summary><c>replicaof host port</c> as the primary's address; <c>replicaof no one</c> undoes an earlier line.</summary>
    private static Uri? PrimaryAddress(DirectiveArguments args)
    {
        (string host, string port) = (args[0], args[1]);
        if (host.Equals("no", StringComparison.OrdinalIgnoreCase) && port.Equals("one", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            throw args.Error("Invalid master port");
        }

        return Uri.TryCreate($"http://{UriHost.Of(host)}:{number}", UriKind.Absolute, out Uri? uri) && uri.AbsolutePath == "/"
            ? uri
            : throw args.Error($"Invalid master host '{host}'");
    }
}
